/**
 * The third-party oracle for the schema-less tree: `protoc --decode_raw` (Debian's
 * protobuf-compiler), its text output read back, and a comparison with our tree that allows
 * only the documented differences (src/protocols/protobuf/tree.ts): protoc shows a
 * length-delimited value as a message whenever it parses, we show printable text as a string.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { decodeProtobuf } from '../../../src/protocols/protobuf/tree.js';
import type { ProtoField, ProtoValue } from '../../../src/protocols/protobuf/types.js';

export type RawNode = { number: number; value: string } | { number: number; fields: RawNode[] };

export function protocDecodeRaw(bytes: Uint8Array): RawNode[] {
  const text = execFileSync('protoc', ['--decode_raw'], { input: bytes, encoding: 'latin1' });
  const stack: RawNode[][] = [[]];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed === '}') {
      stack.pop();
      continue;
    }
    const open = /^(\d+) \{$/.exec(trimmed);
    if (open) {
      const node = { number: Number(open[1]), fields: [] as RawNode[] };
      stack[stack.length - 1].push(node);
      stack.push(node.fields);
      continue;
    }
    const leaf = /^(\d+): (.*)$/.exec(trimmed);
    if (!leaf) throw new Error(`unexpected protoc line ${JSON.stringify(line)}`);
    stack[stack.length - 1].push({ number: Number(leaf[1]), value: leaf[2] });
  }
  return stack[0];
}

/** protoc's C-escaped string (read as latin1: one char per byte) → bytes. */
function unescapeC(quoted: string): Buffer {
  const body = quoted.slice(1, -1);
  const out: number[] = [];
  const simple: Record<string, number> = { n: 10, r: 13, t: 9, '"': 34, "'": 39, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '\\') {
      out.push(body.charCodeAt(i));
      continue;
    }
    const next = body[i + 1];
    if (/[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      out.push(parseInt(octal, 8));
      i += octal.length;
    } else {
      out.push(simple[next]);
      i += 1;
    }
  }
  return Buffer.from(out);
}

function bytesOf(value: ProtoValue): Buffer | undefined {
  if (value.kind === 'string' && !value.cut) return Buffer.from(value.value, 'utf8');
  if (value.kind === 'bytes' && !value.cut) return Buffer.from(value.hex, 'hex');
  return undefined;
}

/** Asserts that our fields say what protoc says, at `path` (for the failure message). */
export function expectAgreesWithProtoc(ours: ProtoField[], theirs: RawNode[], path = '$'): void {
  expect(ours.map((f) => f.number), `${path}: field numbers`).toEqual(theirs.map((n) => n.number));
  ours.forEach((field, i) => {
    const node = theirs[i];
    const at = `${path}.${field.number}[${i}]`;
    const { value } = field;
    switch (value.kind) {
      case 'varint':
        expect('value' in node && node.value, at).toBe(value.value);
        return;
      case 'fixed32':
        expect('value' in node && node.value, at).toBe(`0x${value.value.toString(16).padStart(8, '0')}`);
        return;
      case 'fixed64':
        expect('value' in node && node.value, at).toBe(`0x${BigInt(value.value).toString(16).padStart(16, '0')}`);
        return;
      case 'message':
      case 'group':
        expect('fields' in node, `${at}: protoc sees a message too`).toBe(true);
        if ('fields' in node) expectAgreesWithProtoc(value.fields, node.fields, at);
        return;
      case 'string':
      case 'bytes': {
        const bytes = bytesOf(value)!;
        if ('value' in node) {
          expect(bytes.toString('hex'), at).toBe(unescapeC(node.value).toString('hex'));
          return;
        }
        // protoc read these bytes as a message: they must parse as one for us too
        const tree = decodeProtobuf(bytes);
        expect(tree.message, `${at}: protoc parsed a message we did not`).toBeDefined();
        expectAgreesWithProtoc(tree.message!.fields, node.fields, at);
        return;
      }
    }
  });
}
