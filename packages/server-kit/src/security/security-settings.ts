import {
  DEFAULT_PRINCIPAL_MAPPING_RULES,
  DEFAULT_SASL_MECHANISMS,
  DEFAULT_SESSION_TOKEN_LIFETIME_MS,
  parsePrincipal,
  parsePrincipalMappingRules,
  SASL_MECHANISMS,
  type SaslMechanismName,
} from '@fjord/security';
import { z } from 'zod';
import { secret } from '../config/secret.js';
import { bool, durationMs, nonEmpty } from '../config/settings.js';
import { SECURITY_PROTOCOLS } from '../listeners/listener-address.js';

/** Kafka's `ssl.client.auth`: whether a TLS listener asks for, or insists on, a client certificate. */
export const SSL_CLIENT_AUTH = ['none', 'requested', 'required'] as const;
export type SslClientAuth = (typeof SSL_CLIENT_AUTH)[number];

/** `--authorizer`: `none` allows every call (as before security); `standard` is Kafka's StandardAuthorizer. */
export const AUTHORIZERS = ['none', 'standard'] as const;
export type AuthorizerKind = (typeof AUTHORIZERS)[number];

/** How often the certificate files are read again, so that rotated files are used without a restart. */
export const DEFAULT_SSL_RELOAD_INTERVAL_MS = 30_000;

/** The mechanism a node logs in to its peers with over SASL_* unless told otherwise. */
export const DEFAULT_INTER_BROKER_SASL_MECHANISM: SaslMechanismName = 'SCRAM-SHA-512';

/** A comma-separated list of SASL mechanisms (`SCRAM-SHA-256,SCRAM-SHA-512`), case-insensitive. */
const saslMechanismList = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const names = text
      .split(',')
      .map((name) => name.trim().toUpperCase())
      .filter((name) => name !== '');
    if (names.length === 0) {
      ctx.addIssue({ code: 'custom', message: `must name at least one of ${SASL_MECHANISMS.join(', ')}` });
      return z.NEVER;
    }
    for (const name of names) {
      if (!(SASL_MECHANISMS as readonly string[]).includes(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown SASL mechanism "${name}" (one of ${SASL_MECHANISMS.join(', ')})`,
        });
        return z.NEVER;
      }
    }
    return [...new Set(names)] as SaslMechanismName[];
  });

const saslMechanism = z
  .string()
  .trim()
  .toUpperCase()
  .refine((name) => (SASL_MECHANISMS as readonly string[]).includes(name), {
    message: `must be one of ${SASL_MECHANISMS.join(', ')}`,
  })
  .transform((name) => name as SaslMechanismName);

/** `User:admin;User:broker-1`, Kafka's super.users: semicolon-separated `Type:name` principals. */
const superUserList = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const users = text
      .split(';')
      .map((user) => user.trim())
      .filter((user) => user !== '');
    for (const user of users) {
      try {
        parsePrincipal(user);
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: `"${user}" is not a principal: expected Type:name, e.g. User:admin (separate several with ";")`,
        });
        return z.NEVER;
      }
    }
    return [...new Set(users)];
  });

const principalMappingRules = z
  .string()
  .trim()
  .superRefine((rules, ctx) => {
    try {
      parsePrincipalMappingRules(rules);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

/**
 * The security settings both servers have (issue #13's contract), to spread into a server's
 * settings object next to its listener settings. Cross-checks that need the listeners (a TLS
 * listener without certificate files, SASL without credentials) are made by
 * `resolveSecurityConfig`.
 */
export const SECURITY_SETTINGS = {
  sslCertificateFile: nonEmpty
    .optional()
    .describe(
      "PEM file of this node's certificate chain; required by SSL and SASL_SSL listeners and for dialing peers over TLS (re-read when it changes)",
    ),
  sslKeyFile: nonEmpty.optional().describe("PEM file of this node's private key (re-read when it changes)"),
  sslCaFile: nonEmpty
    .optional()
    .describe(
      'PEM bundle of the CAs this node trusts, for client certificates and for the peers it dials (re-read when it changes)',
    ),
  sslClientAuth: z
    .enum(SSL_CLIENT_AUTH)
    .default('none')
    .describe(
      'TLS client certificates on SSL listeners: none, requested (a valid one gives the principal), required; SASL_SSL listeners ask for none (their clients log in with SASL)',
    ),
  sslPrincipalMappingRules: principalMappingRules
    .default(DEFAULT_PRINCIPAL_MAPPING_RULES)
    .describe(
      "Kafka's ssl.principal.mapping.rules: how a client certificate's subject becomes a principal name, e.g. RULE:^CN=([^,]*),OU=nodes.*$/$1/,DEFAULT",
    ),
  sslReloadIntervalMs: durationMs(100, 86_400_000)
    .default(DEFAULT_SSL_RELOAD_INTERVAL_MS)
    .describe('how often the certificate, key and CA files are read again (rotation without restart)'),
  saslEnabledMechanisms: saslMechanismList
    .default([...DEFAULT_SASL_MECHANISMS])
    .describe('SASL mechanisms offered on SASL_PLAINTEXT and SASL_SSL listeners (PLAIN is opt-in)'),
  authorizer: z
    .enum(AUTHORIZERS)
    .default('none')
    .describe(
      "none = every call allowed; standard = Kafka's StandardAuthorizer over the ACLs (default deny)",
    ),
  superUsers: superUserList
    .optional()
    .describe("Kafka's super.users, allowed everything: User:admin;User:broker-1 (default: none)"),
  allowEveryoneIfNoAclFound: bool
    .default(false)
    .describe("Kafka's allow.everyone.if.no.acl.found: allow a resource that no ACL names"),
  sessionTokenLifetimeMs: durationMs(1_000, 86_400_000)
    .default(DEFAULT_SESSION_TOKEN_LIFETIME_MS)
    .describe('how long the session token of a SASL login is valid; clients log in again before then'),
  securityInterBrokerProtocol: z
    .string()
    .trim()
    .toUpperCase()
    .pipe(z.enum(SECURITY_PROTOCOLS, { error: `must be one of ${SECURITY_PROTOCOLS.join(', ')}` }))
    .optional()
    .describe(
      "how this node dials every other node, PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL (default: its inter-broker listener's protocol, else PLAINTEXT)",
    ),
  interBrokerSaslMechanism: saslMechanism
    .default(DEFAULT_INTER_BROKER_SASL_MECHANISM)
    .describe('SASL mechanism this node logs in to its peers with over SASL_*'),
  interBrokerSaslUsername: nonEmpty.optional().describe('SASL user this node logs in to its peers as'),
  interBrokerSaslPassword: secret
    .optional()
    .describe(
      'password of --inter-broker-sasl-username (prefer FJORD_INTER_BROKER_SASL_PASSWORD; never printed)',
    ),
};

/** The security settings as parsed (defaults filled in, secrets wrapped). */
export type SecuritySettings = z.output<z.ZodObject<typeof SECURITY_SETTINGS>>;
