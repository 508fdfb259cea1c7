import { describe, expect, it } from 'vitest';
import { formatPrincipal, parsePrincipal, userPrincipal } from './kafka-principal.js';
import { PrincipalMapper, parsePrincipalMappingRules } from './ssl-principal-mapping.js';

describe('KafkaPrincipal', () => {
  it('formats and parses User:alice, keeping colons in the name', () => {
    expect(formatPrincipal(userPrincipal('alice'))).toBe('User:alice');
    expect(parsePrincipal('User:alice')).toEqual({ principalType: 'User', name: 'alice' });
    expect(parsePrincipal('User:CN=a:b')).toEqual({ principalType: 'User', name: 'CN=a:b' });
  });

  it('refuses text without a type or a name', () => {
    for (const bad of ['alice', ':alice', 'User:', ''])
      expect(() => parsePrincipal(bad), bad).toThrow(/expected <type>:<name>/);
  });
});

describe('ssl.principal.mapping.rules (Kafka documentation examples)', () => {
  // docs/security.html, "Customizing SSL User Name".
  const documented = [
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,',
    'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L,',
    'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L,',
    'DEFAULT',
  ].join('\n');

  it('maps the documented distinguished names', () => {
    const mapper = new PrincipalMapper(documented);
    expect(mapper.map('CN=serviceuser,OU=ServiceUsers,O=Unknown,L=Unknown,ST=Unknown,C=Unknown')).toBe(
      'serviceuser',
    );
    expect(mapper.map('CN=adminUser,OU=Admin,O=Unknown,L=Unknown,ST=Unknown,C=Unknown')).toBe(
      'adminuser@admin',
    );
    expect(mapper.map('OU=x,cn=Kafka.Broker1,O=y')).toBe('kafka.broker1');
    expect(mapper.map('O=NoCommonName')).toBe('O=NoCommonName');
  });

  it("applies the brief's example rule RULE:^CN=(.*?),OU=.*$/$1/L", () => {
    const mapper = new PrincipalMapper('RULE:^CN=(.*?),OU=.*$/$1/L,DEFAULT');
    expect(mapper.map('CN=Alice,OU=eng,O=Fjord,C=NO')).toBe('alice');
    expect(mapper.map('CN=Bob,O=Fjord')).toBe('CN=Bob,O=Fjord');
  });

  it('upper-cases with /U', () => {
    const mapper = new PrincipalMapper('RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/U');
    expect(mapper.map('CN=adminUser,OU=Admin,O=Unknown,L=Unknown,ST=Unknown,C=Unknown')).toBe(
      'ADMINUSER@ADMIN',
    );
  });

  it('DEFAULT keeps the whole name; no matching rule is an error', () => {
    expect(new PrincipalMapper().map('CN=alice,O=Fjord')).toBe('CN=alice,O=Fjord');
    expect(() => new PrincipalMapper('RULE:^CN=(.*?),OU=Eng$/$1/').map('CN=alice,OU=Ops')).toThrow(
      "no principal mapping rule applies to 'CN=alice,OU=Ops'",
    );
  });

  it('honours escaped slashes and commas inside a rule', () => {
    const mapper = new PrincipalMapper(String.raw`RULE:^CN=([^,]*),OU=a\/b$/$1\/x/, DEFAULT`);
    expect(mapper.map('CN=alice,OU=a/b')).toBe('alice/x');
    expect(mapper.map('CN=bob,OU=c')).toBe('CN=bob,OU=c');
  });

  it('refuses the malformed rules of Kafka SslPrincipalMapperTest with a message quoting them', () => {
    const invalid = [
      'default',
      'DEFAUL',
      'DEFAULT/L',
      'DEFAULT/U',
      'RULE:CN=(.*?),OU=ServiceUsers.*/$1',
      'RULE:CN=(.*?),OU=ServiceUsers.*/$1/L/U',
      'RULE:CN=(.*?),OU=ServiceUsers.*/L',
      'RULE:CN=(.*?),OU=ServiceUsers.*/U',
      'RULE:CN=(.*?),OU=ServiceUsers.*/LU',
    ];
    for (const rule of invalid)
      expect(() => parsePrincipalMappingRules(rule), rule).toThrow(/invalid principal mapping rule '/);
    expect(() => parsePrincipalMappingRules('DEFAULT/L')).toThrow("cannot parse '/L'");
    expect(() => parsePrincipalMappingRules('RULE:^CN=(.*$/$1/')).toThrow(/bad regular expression/);
    expect(() => parsePrincipalMappingRules(' , ')).toThrow(/contain no rule/);
  });

  it('accepts the valid rules of the same test', () => {
    const valid = [
      'DEFAULT',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/U',
      'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L',
      'RULE:^cn=(.?),ou=(.?),dc=(.?),dc=(.?)$/$1@$2/U',
      'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,DEFAULT',
    ];
    for (const rule of valid) expect(parsePrincipalMappingRules(rule).length, rule).toBeGreaterThan(0);
    expect(parsePrincipalMappingRules('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,DEFAULT')).toHaveLength(2);
  });
});
