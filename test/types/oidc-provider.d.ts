// oidc-provider ships no type declarations; the OIDC test uses a small part of it.
declare module 'oidc-provider' {
  import type http from 'node:http';
  interface Grant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }
  interface ProviderConfig {
    clients: Record<string, unknown>[];
    claims?: Record<string, string[]>;
    scopes?: string[];
    findAccount: (ctx: unknown, id: string) => { accountId: string; claims: () => Record<string, unknown> } | undefined;
    features?: Record<string, unknown>;
    cookies?: { keys: string[] };
    ttl?: Record<string, number>;
  }
  export default class Provider {
    constructor(issuer: string, config: ProviderConfig);
    callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
    interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<{ uid: string; params: Record<string, unknown> }>;
    interactionFinished(
      req: http.IncomingMessage,
      res: http.ServerResponse,
      result: Record<string, unknown>,
      opts?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    Grant: new (opts: { accountId: string; clientId: string }) => Grant;
  }
}
