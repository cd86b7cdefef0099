import type { RawErrorEvent, RawCmapEntry, RawCmapEvent, RawCmapHandle, RawCmapValue } from './addon';
import { LibraryConnection } from './library-connection';
import { loadAddon } from './loader';
import { requireName, requireUint32 } from './validate';

/** cmap_value_types_t by name. */
export const CmapTypes = {
  int8: 1,
  uint8: 2,
  int16: 3,
  uint16: 4,
  int32: 5,
  uint32: 6,
  int64: 7,
  uint64: 8,
  float: 9,
  double: 10,
  string: 11,
  binary: 12,
} as const;

export type CmapType = keyof typeof CmapTypes;
export type CmapValue = RawCmapValue;

export interface CmapEntry {
  key: string;
  type: CmapType;
  value: CmapValue;
}

export type CmapChangeKind = 'add' | 'delete' | 'modify';

export interface CmapChange {
  trackId: number;
  kind: CmapChangeKind;
  key: string;
  newValue: CmapEntry | null;
  oldValue: CmapEntry | null;
}

export interface CmapEvents {
  change: [CmapChange];
  error: [Error];
}

export interface TrackOptions {
  /** Track every key starting with the given key (default false: that key only). */
  prefix?: boolean;
  /** Which changes to report (default all three). */
  kinds?: CmapChangeKind[];
}

const trackBits: Record<CmapChangeKind, number> = { delete: 1, modify: 2, add: 4 };
const trackPrefixBit = 8;
const typeNames = new Map<number, CmapType>(Object.entries(CmapTypes).map(([name, n]) => [n, name as CmapType]));
const keyMaxBytes = 255;

function typeName(type: number): CmapType {
  const name = typeNames.get(type);
  if (name === undefined) throw new Error(`corosync reported an unknown cmap value type ${type}`);
  return name;
}

function toEntry(raw: RawCmapEntry): CmapEntry {
  return { key: raw.key, type: typeName(raw.type), value: raw.value };
}

function changeKind(event: number): CmapChangeKind {
  if (event & trackBits.add) return 'add';
  if (event & trackBits.delete) return 'delete';
  return 'modify';
}

/** libcmap: corosync's configuration and runtime map. */
export class Cmap extends LibraryConnection<CmapEvents, RawCmapHandle, Exclude<RawCmapEvent, RawErrorEvent>> {
  /** `stats` opens the statistics map instead of the configuration/runtime one. */
  static open(options: { stats?: boolean } = {}): Cmap {
    const addon = loadAddon();
    return new Cmap((onEvent) => new addon.CmapHandle(onEvent, options.stats ? 1 : 0));
  }

  /** The entry of a key; CS_ERR_NOT_EXIST when absent. */
  get(key: string): CmapEntry {
    return toEntry(this.raw.get(requireName('cmap key', key, keyMaxBytes, 3)));
  }

  /** The value of a key, or undefined when it does not exist. */
  find(key: string): CmapValue | undefined {
    try {
      return this.get(key).value;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'CS_ERR_NOT_EXIST') return undefined;
      throw err;
    }
  }

  set(key: string, type: CmapType, value: CmapValue | Uint8Array): void {
    const typeNumber = CmapTypes[type];
    if (typeNumber === undefined) throw new RangeError(`unknown cmap type ${JSON.stringify(type)}`);
    this.raw.set(requireName('cmap key', key, keyMaxBytes, 3), typeNumber, value);
  }

  delete(key: string): void {
    this.raw.delete(requireName('cmap key', key, keyMaxBytes, 3));
  }

  /** Every entry whose key starts with prefix, in key order ("" for all). */
  iterate(prefix: string): CmapEntry[] {
    return this.raw.iterate(requireName('cmap prefix', prefix, keyMaxBytes, 0)).map(toEntry);
  }

  /** Starts reporting changes as 'change' events; returns the id to untrack with. */
  track(key: string, options: TrackOptions = {}): number {
    const kinds = options.kinds ?? ['add', 'delete', 'modify'];
    if (kinds.length === 0) throw new RangeError('track at least one kind of change');
    let flags = options.prefix ? trackPrefixBit : 0;
    for (const kind of kinds) {
      const bit = trackBits[kind];
      if (bit === undefined) throw new RangeError(`unknown cmap change kind ${JSON.stringify(kind)}`);
      flags |= bit;
    }
    return this.raw.trackAdd(requireName('cmap key', key, keyMaxBytes), flags);
  }

  untrack(trackId: number): void {
    this.raw.trackDelete(requireUint32('track id', trackId));
  }

  protected override route(event: Exclude<RawCmapEvent, RawErrorEvent>): void {
    this.emit('change', {
      trackId: event.trackId,
      kind: changeKind(event.event),
      key: event.key,
      newValue: event.newValue && toEntry(event.newValue),
      oldValue: event.oldValue && toEntry(event.oldValue),
    });
  }
}
