/**
 * One WebSocket connection = one renderer. Frames are decoded with the shared codec, the envelope is
 * checked before any of its fields is read, calls go through the same dispatch() as Electron's IPC, and
 * events are pushed as they happen. A malformed frame gets an error reply; nothing a client sends can
 * throw out of this handler, and a client that does not read its replies cannot make the server queue
 * them without bound.
 */
import type { WebSocket, RawData } from 'ws';
import { z } from 'zod';
import { decodeMessage, encodeMessage, WireError, type ServerMessage } from '../../shared/wire.js';
import type { Reply } from '../../shared/api.js';
import { describeIssues } from '../../shared/api-schema.js';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { dispatch } from '../services/dispatch.js';
import type { AppServices } from '../services/app-services.js';

/** A client may have at most this many calls in flight; more are refused rather than queued without end. */
const MAX_IN_FLIGHT = 64;

const MiB = 1024 * 1024;

/** Bounds on the replies and events queued for one client that it has not read yet (ws.bufferedAmount). */
export interface OutputLimits {
  /** Past this many queued bytes the client's requests are not read (TCP pushes back) until it drains. */
  pauseReadingAt: number;
  /** A message to queue while more than this many bytes wait closes the connection instead. */
  closeAt: number;
}

/** One viewer image is at most a few tens of MiB; a client that leaves 256 MiB unread is not reading. */
export const DEFAULT_OUTPUT_LIMITS: OutputLimits = { pauseReadingAt: 16 * MiB, closeAt: 256 * MiB };

/** Close code 1008 (policy violation): the client broke the rule that replies are read. */
const CLOSE_NOT_READING = 1008;

/** The only frame a client may send. Strict: a field we do not know is an error, not something ignored. */
const callFrameSchema = z.strictObject({
  t: z.literal('call'),
  id: z.int(),
  method: z.string(),
  args: z.array(z.unknown()),
});

export function serveConnection(
  ws: WebSocket,
  services: AppServices,
  limits: OutputLimits = DEFAULT_OUTPUT_LIMITS,
): void {
  let inFlight = 0;

  // Resume reading once what was queued has been handed to the kernel (called after each write).
  const afterWrite = () => {
    if (ws.isPaused && ws.readyState === ws.OPEN && ws.bufferedAmount <= limits.pauseReadingAt / 2) {
      ws.resume();
    }
  };
  const send = (msg: ServerMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > limits.closeAt) {
      services.log.warn(
        `Closing a web client that does not read its replies (${ws.bufferedAmount} bytes queued)`,
      );
      // Read again so that the client's answer to the close frame completes the handshake.
      ws.resume();
      ws.close(
        CLOSE_NOT_READING,
        `Replies not read: more than ${(limits.closeAt / MiB).toFixed(0)} MiB queued`,
      );
      return;
    }
    let frame: Uint8Array;
    try {
      frame = encodeMessage(msg);
    } catch (err) {
      services.log.warn('Could not encode a message for a web client', err);
      return;
    }
    ws.send(frame, { binary: true }, afterWrite);
    if (!ws.isPaused && ws.bufferedAmount > limits.pauseReadingAt) {
      services.log.debug(
        `Web client is slow to read its replies: stopped reading its requests (${ws.bufferedAmount} bytes queued)`,
      );
      ws.pause();
    }
  };
  const refuse = (id: number | null, message: string, code: AppError['code'] = ErrorCode.INVALID_ARGUMENT) =>
    send({ t: 'reply', id, ok: false, error: new AppError(code, message).toPayload() });

  const unsubscribe = services.subscribe((event) => send({ t: 'event', event }));
  ws.on('close', unsubscribe);
  ws.on('error', (err) => services.log.warn('Web client connection error', err));

  const onMessage = (data: RawData, isBinary: boolean) => {
    if (ws.readyState !== ws.OPEN) return; // closing: its requests would get no reply
    if (!isBinary) return refuse(null, 'Messages must be binary frames of the Apprentice wire codec');
    let msg: unknown;
    try {
      msg = decodeMessage(toBytes(data));
    } catch (err) {
      return refuse(null, `Malformed message: ${err instanceof WireError ? err.message : 'undecodable'}`);
    }
    const call = callFrameSchema.safeParse(msg);
    if (!call.success) {
      const detail = describeIssues(call.error).slice(0, 200);
      return refuse(idOf(msg), `Malformed message: expected {t:"call", id, method, args} (${detail})`);
    }
    const { id, method, args } = call.data;
    if (inFlight >= MAX_IN_FLIGHT) return refuse(id, 'Too many requests in flight', ErrorCode.TOO_LARGE);
    inFlight++;
    // dispatch answers everything with a Reply; the catches keep a bug on this side from ever becoming
    // an unhandled rejection (which would end the process).
    dispatch(services.api, method, args, services.log)
      .catch((err: unknown): Reply<unknown> => {
        services.log.error(`Web client call ${id} failed outside dispatch`, err);
        return { ok: false, error: new AppError(ErrorCode.INTERNAL, 'Internal error').toPayload() };
      })
      .then((reply) => send({ t: 'reply', id, ...reply }))
      .catch((err: unknown) => services.log.error(`Could not answer web client call ${id}`, err))
      .finally(() => inFlight--);
  };
  ws.on('message', (data: RawData, isBinary: boolean) => {
    try {
      onMessage(data, isBinary);
    } catch (err) {
      services.log.error('Unexpected error while handling a web client message', err);
    }
  });
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The id of a malformed call, when it has a usable one, so the client can match the error to its call. */
function idOf(msg: unknown): number | null {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return null;
  const id = (msg as Record<string, unknown>).id;
  return Number.isSafeInteger(id) ? (id as number) : null;
}
