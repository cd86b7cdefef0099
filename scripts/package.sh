#!/usr/bin/env bash
# `npm run package`: builds the Debian packages into dist/deb/ with dpkg-deb, from the tracked
# files of this checkout (uncommitted edits included, untracked files not), in a scratch copy
# with its own `npm ci`, so the checkout's node_modules and build/ are never touched.
#
#   quorate-common   (all)   the CLI and its JavaScript, production node_modules, man pages,
#                            bash completion, docs in /usr/share/doc/quorate
#   quorate          (arch)  cluster nodes: the native addon, the daemon and watchdog units
#   quorate-arbiter  (all)   the third host: the arbiter unit and config; no corosync needed
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

# Besides these: the addon's build needs (scripts/bootstrap.sh installs them) g++, make, python3 and
# the corosync library headers.
for tool in dpkg-deb dpkg-shlibdeps git npm node; do
  command -v "$tool" >/dev/null || { echo "package: $tool is missing (apt-get install dpkg-dev git)" >&2; exit 1; }
done

upstream=$(node -p "require('./package.json').version")
version="$upstream-1"
arch=$(dpkg --print-architecture)
maintainer=${QUORATE_MAINTAINER:-quorate developers <dev@quorate.example.org>}
commit=$(git rev-parse --short HEAD)
# Timestamps of the last commit: the same tree builds the same packages.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
out=$repo/dist/deb

work=$(mktemp -d /tmp/quorate-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
step() { echo "package: $*"; }

step "sources of $commit$(git diff --quiet HEAD -- || echo ' with uncommitted edits') into $work"
mkdir "$work/src"
snapshot=$(git stash create || true)
git archive "${snapshot:-HEAD}" | tar -x -C "$work/src"

step "build: npm ci, tsc, the addon (compiled here for $arch with dpkg-buildflags)"
(
  cd "$work/src"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  npx --no-install tsc -p tsconfig.json
  eval "$(dpkg-buildflags --export=sh)"
  npx --no-install node-gyp rebuild --nodedir=/usr >"$work/node-gyp.log" 2>&1 || { cat "$work/node-gyp.log" >&2; exit 1; }
  node dist/src/cli/docs-main.js "$work/docs"
)

step "production node_modules (npm ci --omit=dev in a staging directory)"
mkdir "$work/prod"
cp "$work/src/package.json" "$work/src/package-lock.json" "$work/prod/"
npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error --prefix "$work/prod" >/dev/null

# A package tree: DEBIAN/ plus the files; `copy SRC DEST MODE` installs one file into it.
copy() { install -D -m "$3" "$1" "$tree$2"; }
doc_files() { # copyright and changelog of package $1
  copy "$work/src/packaging/copyright" "/usr/share/doc/$1/copyright" 0644
  printf '%s (%s) unstable; urgency=medium\n\n  * Built from git commit %s.\n\n -- %s  %s\n' \
    "$1" "$version" "$commit" "$maintainer" "$(date -R -u -d "@$SOURCE_DATE_EPOCH")" | gzip -9n >"$work/changelog.gz"
  copy "$work/changelog.gz" "/usr/share/doc/$1/changelog.Debian.gz" 0644
}
scripts_of() { # maintainer scripts of package $1, if any
  for s in postinst prerm postrm; do
    [ -f "$work/src/packaging/$1.$s" ] && copy "$work/src/packaging/$1.$s" "/DEBIAN/$s" 0755
  done
  return 0
}
# control ($1 package, $2 architecture, $3 Depends, $4 summary, $5 long description) and md5sums; builds the .deb.
build_deb() {
  mkdir -p "$tree/DEBIAN"
  (cd "$tree" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 -r md5sum) >"$tree/DEBIAN/md5sums"
  [ -s "$tree/DEBIAN/md5sums" ] || rm "$tree/DEBIAN/md5sums"
  find "$tree/etc" -type f -printf '/etc/%P\n' 2>/dev/null | sort >"$tree/DEBIAN/conffiles" || true
  [ -s "$tree/DEBIAN/conffiles" ] || rm "$tree/DEBIAN/conffiles"
  cat >"$tree/DEBIAN/control" <<EOF
Package: $1
Version: $version
Architecture: $2
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$tree" | cut -f1)
Depends: $3
Section: admin
Priority: optional
Description: $4
$5
EOF
  find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  dpkg-deb --root-owner-group -Zxz --build "$tree" "$out/${1}_${version}_$2.deb" >/dev/null
  step "built $out/${1}_${version}_$2.deb ($(du -k "$out/${1}_${version}_$2.deb" | cut -f1) KiB, installed $(du -sk --exclude=DEBIAN "$tree" | cut -f1) KiB)"
}
mkdir -p "$out"
rm -f "$out"/quorate*.deb

step "quorate-common"
tree=$work/tree-common
lib=/usr/lib/quorate
(cd "$work/src/dist" && find package.json src -type f \( -name '*.js' -o -name '*.json' \)) | while read -r f; do copy "$work/src/dist/$f" "$lib/dist/$f" 0644; done
copy "$work/src/package.json" "$lib/package.json" 0644
mkdir -p "$tree$lib"
cp -a "$work/prod/node_modules" "$tree$lib/node_modules"
# Only what runs: node-addon-api holds the addon's build headers; dotfiles are the modules' own
# lint, VCS and npm settings.
rm -rf "$tree$lib/node_modules/node-addon-api"
find "$tree$lib/node_modules" -mindepth 1 -name '.*' -prune -exec rm -rf {} +
chmod -R u=rwX,go=rX "$tree$lib/node_modules"
chmod 0755 "$tree$lib/dist/src/cli/main.js"
printf '#!/bin/sh\nexec /usr/bin/node %s/dist/src/cli/main.js "$@"\n' "$lib" >"$work/quorate"
copy "$work/quorate" /usr/bin/quorate 0755
for page in "$work/docs/man8/"*.8; do gzip -9n -c "$page" >"$page.gz"; copy "$page.gz" "/usr/share/man/man8/$(basename "$page").gz" 0644; done
copy "$work/docs/quorate.bash-completion" /usr/share/bash-completion/completions/quorate 0644
copy "$work/src/README.md" /usr/share/doc/quorate/README.md 0644
# docs/ beside README.md, so the README's relative links hold in the installed copy.
(cd "$work/src" && find docs -type f -name '*.md') | while read -r f; do copy "$work/src/$f" "/usr/share/doc/quorate/$f" 0644; done
copy "$work/src/systemd/quorate.json.example" /usr/share/doc/quorate/examples/quorate.json 0644
doc_files quorate-common
build_deb quorate-common all "nodejs (>= 20)" \
  "high availability for corosync clusters: CLI and shared code" \
  " quorate keeps HA services (VMs, addresses) running on a corosync cluster,
 with watchdog self-fencing and a qnetd-compatible arbiter. This package holds
 the quorate command, its JavaScript code and libraries, the manual pages and
 the docs. Install quorate on cluster nodes and quorate-arbiter on the third
 host."

step "quorate (cluster nodes)"
tree=$work/tree-node
addon=$work/src/build/Release/quorate_native.node
copy "$addon" "$lib/build/Release/quorate_native.node" 0644
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$tree$lib/build/Release/quorate_native.node"
copy "$work/src/systemd/quorate-daemon.service" "$unitdir/quorate-daemon.service" 0644
copy "$work/src/systemd/quorate-watchdog-mux.service" "$unitdir/quorate-watchdog-mux.service" 0644
printf '# QUORATE_WATCHDOG_TIMEOUT: the watchdog device timeout W in seconds (default 6).\n#QUORATE_WATCHDOG_TIMEOUT=6\n' >"$work/wdmux"
copy "$work/wdmux" /etc/default/quorate-watchdog-mux 0644
mkdir -p "$work/shlibs/debian"
printf 'Source: quorate\n\nPackage: quorate\nArchitecture: any\n' >"$work/shlibs/debian/control"
shlibs=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$tree$lib/build/Release/quorate_native.node" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
scripts_of quorate
doc_files quorate
build_deb quorate "$arch" "quorate-common (= $version), corosync, nodejs (>= 20), $shlibs" \
  "high availability for corosync clusters: node daemon and watchdog" \
  " The HA daemon (cluster and local resource manager with leased locks on the
 replicated store, integrated quorum device client) and the watchdog multiplexer
 that self-fences the node, with their systemd units. Nothing is started on
 install: see /usr/share/doc/quorate/docs/install.md."

step "quorate-arbiter (third host)"
tree=$work/tree-arbiter
copy "$work/src/systemd/quorate-arbiter.service" "$unitdir/quorate-arbiter.service" 0644
echo '{}' >"$work/arbiter.json"
copy "$work/arbiter.json" /etc/quorate/arbiter.json 0644
scripts_of quorate-arbiter
doc_files quorate-arbiter
build_deb quorate-arbiter all "quorate-common (= $version)" \
  "high availability for corosync clusters: quorum arbiter" \
  " The third vote for two-node (and larger) corosync clusters, compatible with
 corosync-qnetd on the wire. Needs no corosync on its host. Configured and
 started by 'quorate setup arbiter' run on a cluster node."
