/**
 * Fingerprints of label sets computed the way Prometheus and Alertmanager compute theirs
 * (prometheus/common model.LabelSet.Fingerprint: FNV-1a 64 over the label names in sorted order, each name
 * and value followed by the byte 0xff, printed as 16 hex digits). An alert without a `fingerprint` field
 * therefore gets the key Alertmanager itself would have sent, and dedupes with one that has it.
 */

const FNV_OFFSET_64 = 0xcbf29ce484222325n;
const FNV_PRIME_64 = 0x100000001b3n;
const SEPARATOR_BYTE = 0xff;

export function labelsFingerprint(labels: Readonly<Record<string, string>>): string {
  // Label names are ASCII in Prometheus, where UTF-16 order equals Go's byte order.
  const names = Object.keys(labels).sort();
  let hash = FNV_OFFSET_64;
  for (const name of names) {
    hash = fnvAdd(hash, name);
    hash = fnvAddByte(hash, SEPARATOR_BYTE);
    hash = fnvAdd(hash, labels[name] ?? '');
    hash = fnvAddByte(hash, SEPARATOR_BYTE);
  }
  return hash.toString(16).padStart(16, '0');
}

/** FNV-1a 64 of a string's UTF-8 bytes, as 16 hex digits. */
export function fnv64a(text: string): string {
  return fnvAdd(FNV_OFFSET_64, text).toString(16).padStart(16, '0');
}

function fnvAdd(hash: bigint, text: string): bigint {
  let h = hash;
  for (const byte of Buffer.from(text, 'utf8')) h = fnvAddByte(h, byte);
  return h;
}

function fnvAddByte(hash: bigint, byte: number): bigint {
  return BigInt.asUintN(64, (hash ^ BigInt(byte)) * FNV_PRIME_64);
}
