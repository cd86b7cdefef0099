"""Writes the uncompressed ELF kernel out of a Debian vmlinuz: under TCG it boots in about half
the time (PVH entry, no decompression in emulated code).
Usage: extract-vmlinux.py VMLINUZ OUT"""
import lzma
import sys

data = open(sys.argv[1], 'rb').read()
start = data.find(b'\xfd7zXZ\x00')
if start < 0:
    sys.exit('no xz stream in the kernel image')
out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
open(sys.argv[2], 'wb').write(out)
