import type { Activity } from 'botbuilder';
import {
  type AuthenticateRequestResult,
  AuthenticationConstants,
  BotFrameworkAuthentication,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  ConnectorFactory,
  type UserTokenClient,
} from 'botframework-connector';

/** More distinct (app id, service URL, audience) keys than a deployment sees; past it the oldest client is made anew. */
const MAX_CLIENTS = 64;

/**
 * botbuilder builds a ConnectorClient and a UserTokenClient for every activity, used or not; neither holds anything
 * of the turn, so one per app id, service URL and audience is kept (without it a list turn costs ~0.4 ms more CPU).
 */
export class ReusedClientsAuthentication extends BotFrameworkAuthentication {
  private readonly connectors = new KeptPromises<ConnectorClient>();
  private readonly userTokenClients = new KeptPromises<UserTokenClient>();

  constructor(private readonly inner: BotFrameworkAuthentication) {
    super();
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const result = await this.inner.authenticateRequest(activity, authHeader);
    return result.connectorFactory ? { ...result, connectorFactory: this.reusing(result.claimsIdentity, result.connectorFactory) } : result;
  }

  authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.inner.authenticateStreamingRequest(authHeader, channelIdHeader);
  }

  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.reusing(claimsIdentity, this.inner.createConnectorFactory(claimsIdentity));
  }

  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.userTokenClients.get(appIdOf(claimsIdentity), () => this.inner.createUserTokenClient(claimsIdentity));
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }

  private reusing(claimsIdentity: ClaimsIdentity, factory: ConnectorFactory): ConnectorFactory {
    return new ReusingConnectorFactory(appIdOf(claimsIdentity), factory, this.connectors);
  }
}

/** botbuilder's connector factory for one app id, handing out the client already made for a service URL and audience. */
class ReusingConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly appId: string,
    private readonly inner: ConnectorFactory,
    private readonly connectors: KeptPromises<ConnectorClient>,
  ) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return this.connectors.get(JSON.stringify([this.appId, serviceUrl, audience]), () => this.inner.create(serviceUrl, audience));
  }
}

/** The app id botbuilder's own factories build the clients for: the token's audience, else its appid (Emulator). */
function appIdOf(claimsIdentity: ClaimsIdentity): string {
  return claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? claimsIdentity.getClaimValue(AuthenticationConstants.AppIdClaim) ?? '';
}

/** One client per key, made on first use; a failed making is not kept, so the next turn tries again. */
class KeptPromises<T> {
  private readonly kept = new Map<string, Promise<T>>();

  get(key: string, make: () => Promise<T>): Promise<T> {
    const known = this.kept.get(key);
    if (known) return known;
    if (this.kept.size >= MAX_CLIENTS) this.kept.delete(this.kept.keys().next().value!);
    const made = make();
    this.kept.set(key, made);
    // The failure is heard by whoever awaits `made`; here a client that could not be made is only not kept.
    made.catch((_heardByTheCaller: unknown) => this.kept.get(key) === made && this.kept.delete(key));
    return made;
  }
}
