import { type Activity, CloudAdapter, type InvokeResponse, StatusCodes, type TurnContext } from 'botbuilder';
import { AuthenticationError, type BotFrameworkAuthentication } from 'botframework-connector';
import type { Logger } from '../../logging/logger.js';
import { checkActivity } from './activity.js';
import { ReusedClientsAuthentication } from './reusedClients.js';
import { type AdmittedPath, screenToken, type TokenScreenOptions } from './tokenScreen.js';

/** One POST to /api/messages as the HTTP server hands it over: already known to be JSON. */
export interface InboundRequest {
  authorization?: string;
  body: unknown;
}

export interface InboundAnswer {
  status: number;
  body?: unknown;
}

/** What a refused caller is told: a short generic reason. The detail goes to the log, once. */
const REFUSED: Record<400 | 401, InboundAnswer> = {
  400: { status: 400, body: { error: 'Bad request: not an activity this bot accepts.' } },
  401: { status: 401, body: { error: 'Unauthorized.' } },
};

/** Errors of the JWT library for a token that is forged, expired or not yet valid (by their documented names). */
const JWT_ERRORS = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);

/**
 * Everything between the HTTP server and the bot's turn: in production, the token screen; then the activity's
 * shape; then botbuilder (full token validation, the turn). Each refused request is one log line and a 4xx. A failure
 * of the bot itself that no route answered goes to the error sink and is answered 200 with nothing: the request was
 * sound, and a 5xx would only have the channel deliver it again.
 */
export class InboundGate {
  constructor(
    private readonly adapter: InboundAdapter,
    private readonly logic: (context: TurnContext) => Promise<void>,
    private readonly logger: Logger,
    /** Where a failure no route answered goes (the error sink's one log line). */
    private readonly failed: (error: unknown, what: string) => void,
    /** Production mode: only tokens that can be the channel's (or the allowed Emulator's) reach botbuilder. */
    private readonly screen?: TokenScreenOptions,
  ) {}

  async handle(request: InboundRequest): Promise<InboundAnswer> {
    let path: AdmittedPath | undefined;
    if (this.screen) {
      path = screenToken(request.authorization, this.screen);
      if (!path) return this.refuse(401, 'token not from the Bot Framework channel');
    }
    const checked = checkActivity(request.body);
    if (!checked.ok) return this.refuse(400, checked.reason);
    try {
      const response = await this.process(request.authorization ?? '', checked.activity);
      return { status: response?.status ?? 200, body: response?.body };
    } catch (error) {
      if (error instanceof AuthenticationError) return this.refuse(401, error.message.slice(0, 200), path);
      this.failed(error, `${checked.activity.type} activity`);
      return { status: 200 };
    }
  }

  /**
   * botbuilder's token validation and the turn. CloudAdapter.process (the HTTP part) is not used: it writes every
   * failure to console.error and answers with botbuilder's message (the token's audience, key endorsements). A token
   * with a bad signature or lifetime fails with the JWT library's errors, which are not botbuilder's
   * AuthenticationError; here it becomes one, so it is refused with 401 like any other.
   */
  private async process(authorization: string, activity: Activity): Promise<InvokeResponse | undefined> {
    try {
      return await this.adapter.turnOf(authorization, activity, this.logic);
    } catch (error) {
      if (error instanceof Error && JWT_ERRORS.has(error.name)) throw new AuthenticationError(`Invalid token (${error.name})`, StatusCodes.UNAUTHORIZED);
      throw error;
    }
  }

  private refuse(status: 400 | 401, reason: string, path?: AdmittedPath): InboundAnswer {
    this.logger.warn({ status, reason, path }, 'request refused');
    return REFUSED[status];
  }
}

/**
 * CloudAdapter with its HTTP part left to the gate: botbuilder's token validation (in full, on every activity) and
 * the turn, nothing else. Its Bot Connector and Token Service clients are made once, not for every activity (see
 * reusedClients.ts).
 */
export class InboundAdapter extends CloudAdapter {
  constructor(auth: BotFrameworkAuthentication) {
    super(new ReusedClientsAuthentication(auth));
  }

  turnOf(authorization: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authorization, activity, logic);
  }
}
