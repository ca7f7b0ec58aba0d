/** One end of the protocol: a JSON-RPC server and client over newline-delimited JSON (json-rpc-2.0 does the matching). */
import { JSONRPCClient, JSONRPCErrorCode, JSONRPCErrorException, JSONRPCServer, JSONRPCServerAndClient } from 'json-rpc-2.0';
import { isDovetailError } from '../sdk/errors.js';
import { errorJSON, TYPED_ERROR_CODE } from './messages.js';

export type Peer = JSONRPCServerAndClient;

/** A peer whose outgoing messages go to `send` as single lines. */
export function createPeer(send: (line: string) => void): Peer {
  return new JSONRPCServerAndClient(
    new JSONRPCServer({ errorListener: () => undefined }), // a method's error is answered to the peer, not printed
    new JSONRPCClient((message) => { send(`${JSON.stringify(message)}\n`); }),
    { errorListener: () => undefined },
  );
}

/**
 * The JSON-RPC error a method throws for `e`: a typed Dovetail error keeps its code (and `retryAfterMs`) in `data`;
 * anything else is an internal error with its message.
 */
export function toRpcError(e: unknown): JSONRPCErrorException {
  if (e instanceof JSONRPCErrorException) return e;
  if (isDovetailError(e)) return new JSONRPCErrorException(e.message, TYPED_ERROR_CODE, errorJSON(e));
  return new JSONRPCErrorException(e instanceof Error ? e.message : String(e), JSONRPCErrorCode.InternalError);
}

/** Registers `method`, mapping whatever it throws with `toRpcError`. */
export function serve<P, R>(peer: Peer, method: string, handler: (params: P) => Promise<R> | R): void {
  peer.addMethod(method, async (params: unknown) => {
    try {
      return await handler(params as P);
    } catch (e) {
      throw toRpcError(e);
    }
  });
}
