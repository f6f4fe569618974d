/**
 * One WebSocket connection = one renderer. Frames are decoded with the shared codec, calls go through the
 * same dispatch() as Electron's IPC, events are pushed as they happen. A malformed frame gets an error
 * reply; nothing a client sends can throw out of this handler.
 */
import type { WebSocket, RawData } from 'ws';
import { decodeMessage, encodeMessage, WireError, type ServerMessage } from '../../shared/wire.js';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { dispatch } from '../services/dispatch.js';
import type { AppServices } from '../services/app-services.js';

/** A client may have at most this many calls in flight; more are refused rather than queued without end. */
const MAX_IN_FLIGHT = 64;

export function serveConnection(ws: WebSocket, services: AppServices): void {
  let inFlight = 0;
  const send = (msg: ServerMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    try {
      ws.send(encodeMessage(msg), { binary: true });
    } catch (err) {
      services.log.warn('Could not encode a message for a web client', err);
    }
  };
  const refuse = (id: number | null, message: string, code: AppError['code'] = ErrorCode.INVALID_ARGUMENT) =>
    send({ t: 'reply', id, ok: false, error: new AppError(code, message).toPayload() });

  const unsubscribe = services.subscribe((event) => send({ t: 'event', event }));
  ws.on('close', unsubscribe);
  ws.on('error', (err) => services.log.warn('Web client connection error', err));

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (!isBinary) return refuse(null, 'Messages must be binary frames of the Apprentice wire codec');
    const frame = toBytes(data);
    let msg: unknown;
    try {
      msg = decodeMessage(frame);
    } catch (err) {
      return refuse(null, `Malformed message: ${err instanceof WireError ? err.message : 'undecodable'}`);
    }
    const call = asCall(msg);
    if (!call) return refuse(idOf(msg), 'Malformed message: expected {t:"call", id, method, args}');
    if (inFlight >= MAX_IN_FLIGHT) return refuse(call.id, 'Too many requests in flight', ErrorCode.TOO_LARGE);
    inFlight++;
    void dispatch(services.api, call.method, call.args, services.log)
      .then((reply) => send({ t: 'reply', id: call.id, ...reply }))
      .finally(() => inFlight--);
  });
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function asCall(msg: unknown): { id: number; method: unknown; args: unknown } | null {
  if (typeof msg !== 'object' || msg === null) return null;
  const m = msg as Record<string, unknown>;
  if (m.t !== 'call' || !Number.isSafeInteger(m.id)) return null;
  return { id: m.id as number, method: m.method, args: m.args };
}

function idOf(msg: unknown): number | null {
  const id = (msg as Record<string, unknown> | null)?.id;
  return Number.isSafeInteger(id) ? (id as number) : null;
}
