import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { DEFAULT_GRAPH_SCOPES, graphScopesOf } from '../config/config.js';

/** Where the check signs in and what it reads: the bot's app in its tenant, Entra ID and Graph. */
export interface TenantTarget {
  env: string;
  /** The bot's app registration (BOT_ID). */
  appId: string;
  /** BOT_TENANT_ID: a GUID or a verified domain name. */
  tenantId: string;
  /** Entra ID's sign-in host, no trailing slash. */
  authorityHost: string;
  /** Graph's base URL, ending with '/'. */
  graphBaseUrl: string;
  /** The bot's delegated Graph permissions, as full URIs. */
  scopes: string[];
}

export class SetupError extends Error {
  override readonly name = 'SetupError';
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/**
 * The target of `--env <env>`: BOT_ID and BOT_TENANT_ID from env/.env.<env> and env/.env.<env>.user (what
 * `atk provision` wrote), the endpoints from the shell as the bot reads them (ENTRA_AUTHORITY_HOST, GRAPH_BASE_URL,
 * GRAPH_SCOPES; national clouds), Microsoft's public ones by default. The environment's name becomes part of a file
 * name: only letters, digits, "-" and "_" are taken.
 */
export function targetOf(root: string, env: string, shell: Record<string, string | undefined>): TenantTarget {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(env)) throw new SetupError(`--env: "${env}" is not an environment name (letters, digits, "-" and "_")`);
  const file = join(root, 'env', `.env.${env}`);
  if (!existsSync(file)) throw new SetupError(`env/.env.${env} does not exist`);
  const user = `${file}.user`;
  const values = { ...parse(readFileSync(file)), ...(existsSync(user) ? parse(readFileSync(user)) : {}) };
  const missing = ['BOT_ID', 'BOT_TENANT_ID'].filter((name) => !values[name]);
  if (missing.length > 0) throw new SetupError(`env/.env.${env} has no ${missing.join(' or ')}: run \`npx atk provision --env ${env}\` first`);
  if (!GUID.test(values.BOT_ID!)) throw new SetupError(`BOT_ID in env/.env.${env} is not an application (client) id`);
  if (!GUID.test(values.BOT_TENANT_ID!) && !DOMAIN.test(values.BOT_TENANT_ID!)) throw new SetupError(`BOT_TENANT_ID in env/.env.${env} is neither a tenant id nor a domain name`);
  return {
    env,
    appId: values.BOT_ID!,
    tenantId: values.BOT_TENANT_ID!,
    authorityHost: endpoint('ENTRA_AUTHORITY_HOST', shell.ENTRA_AUTHORITY_HOST, 'https://login.microsoftonline.com', /^https:$/).replace(/\/+$/, ''),
    graphBaseUrl: endpoint('GRAPH_BASE_URL', shell.GRAPH_BASE_URL, 'https://graph.microsoft.com/', /^https?:$/).replace(/\/*$/, '/'),
    scopes: graphScopesOf(shell.GRAPH_SCOPES?.trim() || DEFAULT_GRAPH_SCOPES),
  };
}

function endpoint(name: string, value: string | undefined, fallback: string, protocol: RegExp): string {
  const text = value?.trim() || fallback;
  if (!URL.canParse(text) || !protocol.test(new URL(text).protocol)) throw new SetupError(`${name}: "${text}" is not a ${protocol.source.includes('?') ? 'http(s)' : 'https'} URL`);
  return text;
}
