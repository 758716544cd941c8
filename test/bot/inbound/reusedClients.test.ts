import { type Activity, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { BotFrameworkAuthentication, type ClaimsIdentity, type UserTokenClient } from 'botframework-connector';
import { describe, expect, it } from 'vitest';
import { InboundAdapter } from '../../../src/bot/inbound/gate.js';
import { ReusedClientsAuthentication } from '../../../src/bot/inbound/reusedClients.js';

const activity = (serviceUrl: string) => ({ type: 'message', channelId: 'emulator', serviceUrl }) as Activity;

/** botbuilder's own authentication with no app id (local mode): it admits every activity without a token. */
const botbuilderAuth = () => new ConfigurationBotFrameworkAuthentication({});

describe('ReusedClientsAuthentication', () => {
  it('hands every turn from the same service URL the same Bot Connector client, and another URL its own', async () => {
    const auth = new ReusedClientsAuthentication(botbuilderAuth());
    const clientFor = async (serviceUrl: string) => {
      const { connectorFactory, audience } = await auth.authenticateRequest(activity(serviceUrl), '');
      return connectorFactory!.create(serviceUrl, audience);
    };
    const first = await clientFor('https://smba.example/amer/');
    expect(await clientFor('https://smba.example/amer/')).toBe(first);
    const other = await clientFor('https://smba.example/emea/');
    expect(other).not.toBe(first);
    expect((other as unknown as { baseUri: string }).baseUri).toBe('https://smba.example/emea/');
  });

  it('keeps a bounded number of clients: past 64 service URLs the oldest is made anew', async () => {
    const auth = new ReusedClientsAuthentication(botbuilderAuth());
    const { connectorFactory } = await auth.authenticateRequest(activity('https://smba.example/0/'), '');
    const first = await connectorFactory!.create('https://smba.example/0/');
    for (let i = 1; i < 64; i++) await connectorFactory!.create(`https://smba.example/${i}/`);
    expect(await connectorFactory!.create('https://smba.example/0/')).toBe(first);
    await connectorFactory!.create('https://smba.example/64/');
    expect(await connectorFactory!.create('https://smba.example/0/')).not.toBe(first);
  });

  it('hands every turn of an app the same Token Service client', async () => {
    const auth = new ReusedClientsAuthentication(botbuilderAuth());
    const { claimsIdentity } = await auth.authenticateRequest(activity('https://smba.example/amer/'), '');
    const first = await auth.createUserTokenClient(claimsIdentity);
    expect(await auth.createUserTokenClient(claimsIdentity)).toBe(first);
  });

  it('does not keep a client whose making failed: the next turn makes it again', async () => {
    let attempts = 0;
    class FailingOnce extends BotFrameworkAuthentication {
      private readonly real = botbuilderAuth();
      authenticateRequest = this.real.authenticateRequest.bind(this.real);
      authenticateStreamingRequest = this.real.authenticateStreamingRequest.bind(this.real);
      createConnectorFactory = this.real.createConnectorFactory.bind(this.real);
      createUserTokenClient(claims: ClaimsIdentity): Promise<UserTokenClient> {
        attempts++;
        return attempts === 1 ? Promise.reject(new Error('Entra ID unreachable')) : this.real.createUserTokenClient(claims);
      }
    }
    const auth = new ReusedClientsAuthentication(new FailingOnce());
    const { claimsIdentity } = await auth.authenticateRequest(activity('https://smba.example/amer/'), '');
    await expect(auth.createUserTokenClient(claimsIdentity)).rejects.toThrow('unreachable');
    const made = await auth.createUserTokenClient(claimsIdentity);
    expect(await auth.createUserTokenClient(claimsIdentity)).toBe(made);
    expect(attempts).toBe(2);
  });

  it("is what the bot's adapter runs on: two turns from one service URL get the same clients", async () => {
    const adapter = new InboundAdapter(botbuilderAuth());
    const clientsOfTurn = async () => {
      let clients: unknown[] = [];
      await adapter.turnOf('', { ...activity('https://smba.example/amer/'), id: 'a1', conversation: { id: 'c1' }, from: { id: 'u1' }, recipient: { id: 'b1' } } as Activity, (context) => {
        clients = [context.turnState.get(adapter.ConnectorClientKey), context.turnState.get(adapter.UserTokenClientKey)];
        return Promise.resolve();
      });
      return clients;
    };
    const first = await clientsOfTurn();
    expect(first.every((c) => c !== undefined)).toBe(true);
    const second = await clientsOfTurn();
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);
  });
});
