/**
 * An authenticated identity, written as Kafka writes it: `<type>:<name>`, e.g. `User:alice`.
 * Kafka's authenticators all produce the type `User`; the name is what the mechanism
 * established (the SCRAM username, or the mapped certificate subject).
 */
export interface KafkaPrincipal {
  readonly principalType: string;
  readonly name: string;
}

/** The principal type every Fjord authenticator produces. */
export const USER_PRINCIPAL_TYPE = 'User';

/** The principal of a connection that did not authenticate (Kafka's `User:ANONYMOUS`). */
export const ANONYMOUS_PRINCIPAL: KafkaPrincipal = Object.freeze({
  principalType: USER_PRINCIPAL_TYPE,
  name: 'ANONYMOUS',
});

/** A `User:` principal with this name. */
export function userPrincipal(name: string): KafkaPrincipal {
  if (name.length === 0) throw new Error('a principal name must not be empty');
  return { principalType: USER_PRINCIPAL_TYPE, name };
}

/** `User:alice`. */
export function formatPrincipal(principal: KafkaPrincipal): string {
  return `${principal.principalType}:${principal.name}`;
}

/**
 * Parses `<type>:<name>` as Kafka's SecurityUtils.parseKafkaPrincipal does: split at the first
 * colon, both parts non-empty (the name may itself contain colons).
 */
export function parsePrincipal(text: string): KafkaPrincipal {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    throw new Error(`invalid principal '${text}': expected <type>:<name>, e.g. User:alice`);
  }
  return { principalType: text.slice(0, colon), name: text.slice(colon + 1) };
}
