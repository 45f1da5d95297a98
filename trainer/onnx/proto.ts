// Minimal protobuf wire-format writer: just enough to serialise ONNX messages.
// We only ever write (never parse), so a message is a list of byte chunks whose total
// length is known; nested messages are built first and embedded length-delimited.

const Wire = { Varint: 0, Bytes: 2, Fixed32: 5 } as const;
type Wire = (typeof Wire)[keyof typeof Wire];

const utf8 = new TextEncoder();

export class Msg {
  private chunks: Uint8Array[] = [];
  length = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  private key(field: number, wire: Wire): void {
    this.push(varint(BigInt((field << 3) | wire)));
  }

  /** int32/int64/enum/bool field; negative values use 10-byte two's complement as protobuf requires. */
  int(field: number, v: number | bigint): this {
    this.key(field, Wire.Varint);
    this.push(varint(BigInt(v)));
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, Wire.Fixed32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, Wire.Bytes);
    this.push(varint(BigInt(b.length)));
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  msg(field: number, m: Msg): this {
    this.key(field, Wire.Bytes);
    this.push(varint(BigInt(m.length)));
    for (const c of m.chunks) this.push(c);
    return this;
  }

  /** Appends already-encoded fields (a serialised message's bytes). */
  raw(b: Uint8Array): this {
    this.push(b);
    return this;
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** Base-128 varint; BigInt so int64 and negative values (as uint64) are exact. */
export function varint(v: bigint): Uint8Array {
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) byte |= 0x80;
    out.push(byte);
  } while (x !== 0n);
  return Uint8Array.from(out);
}
