// Helpers of the learner's journey: the generated client, envelope checks,
// calendar dates in a zone, and a PNG made from nothing but node:zlib.
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type Schemas = components["schemas"];
export type ErrorEnvelope = Schemas["ErrorEnvelope"];

// baseUrl is the server make test-client started; the journey has no default
// so that it never talks to a server it did not mean to.
export const baseUrl = (() => {
  const url = process.env.LINGO_URL;
  if (!url) {
    throw new Error("LINGO_URL is not set: run the journey with make test-client");
  }
  return url;
})();

// client returns a generated client that sends token as its bearer, so each
// step says plainly which credentials it uses.
export function client(token?: string) {
  return createClient<paths>({
    baseUrl,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

// need returns the envelope's data, failing the step with the whole answer
// when it is absent: the document's allOf leaves `data` optional in the types.
export function need<T>(value: T | undefined | null, answer: unknown): T {
  if (value === undefined || value === null) {
    assert.fail(`expected data, got ${JSON.stringify(answer)}`);
  }
  return value;
}

// expectError checks an error envelope's status, error_code and, when given,
// its first specific code and field.
export function expectError(
  response: Response,
  error: ErrorEnvelope | undefined,
  status: number,
  errorCode: string,
  code?: string,
  field?: string,
): ErrorEnvelope {
  assert.equal(response.status, status, `status; body ${JSON.stringify(error)}`);
  assert.ok(error, "an error envelope");
  assert.equal(error.success, false);
  assert.equal(error.metadata.error_code, errorCode);
  assert.equal(error.metadata.status_code, status);
  assert.equal(response.headers.get("X-Request-ID"), error.request_id, "X-Request-ID equals the body's request_id");
  if (code !== undefined) {
    const item = error.errors.find((e) => e.code === code);
    assert.ok(item, `errors[] holds ${code}: ${JSON.stringify(error.errors)}`);
    if (field !== undefined) {
      assert.equal(item.field, field);
    }
  }
  return error;
}

// localDate is the calendar date (YYYY-MM-DD) of instant in zone, as the
// server computes an event's local_date.
export function localDate(zone: string, instant: Date): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

// daysAgo is the instant k whole days before now. The journey's zones have
// no daylight saving time, so it falls on the k-th calendar day back.
export function daysAgo(now: Date, k: number): Date {
  return new Date(now.getTime() - k * 24 * 3600 * 1000);
}

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

// pngRGBA encodes a width×height RGBA image whose pixel (x, y) is px(x, y),
// as a real client would upload a picture it drew.
export function pngRGBA(width: number, height: number, px: (x: number, y: number) => [number, number, number, number]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc(height * (1 + 4 * width));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + 4 * width);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = px(x, y);
      raw.set([r, g, b, a], row + 1 + 4 * x);
    }
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

// rateHeaders reads the §7 headers of a limited answer.
export function rateHeaders(response: Response) {
  const h = response.headers;
  return {
    limit: Number(h.get("X-RateLimit-Limit")),
    remaining: Number(h.get("X-RateLimit-Remaining")),
    reset: Number(h.get("X-RateLimit-Reset")),
    window: Number(h.get("X-RateLimit-Window")),
    type: h.get("X-RateLimit-Type"),
    policy: h.get("RateLimit-Policy"),
    rateLimit: h.get("RateLimit"),
    retryAfter: h.get("Retry-After"),
  };
}
