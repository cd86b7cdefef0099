import { X509Certificate } from 'node:crypto';

/*
 * The client-certificate check corosync-qnetd gets from NSS (SSL_AuthCertificate for an SSL
 * client): the certificate must be signed by a configured CA, both must be within their
 * validity, the issuer must be a CA, and the certificate must be usable for client
 * authentication (so the arbiter's own server certificate is refused). Node verifies a server
 * TLSSocket's peer only for sockets a tls.Server made; STARTTLS sockets are made by hand, so the
 * arbiter checks the chain itself, with OpenSSL doing the signature and issuer matching.
 */

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** Every certificate of a PEM bundle (a CA file may hold several). */
export function parsePemBundle(pem: Buffer | string): X509Certificate[] {
  const blocks = pem.toString().match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

function validityProblem(cert: X509Certificate, now: number, what: string): string | null {
  if (now < Date.parse(cert.validFrom)) return `${what} is not valid before ${cert.validFrom}`;
  if (now > Date.parse(cert.validTo)) return `${what} expired on ${cert.validTo}`;
  return null;
}

const signedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/**
 * Why the peer's certificate does not chain to one of `trusted` (signed by it directly, as
 * corosync-qdevice-net-certutil and `quorate arbiter certs` sign) at `now` (wall-clock ms: that
 * is how certificates count), or null when it does.
 */
export function chainProblem(leaf: X509Certificate, trusted: readonly X509Certificate[], now: number): string | null {
  const expired = validityProblem(leaf, now, 'the certificate');
  if (expired) return expired;
  if (leaf.ca) return 'the certificate is a CA certificate, not a client certificate';
  const usage = leaf.keyUsage;
  if (usage !== undefined && !usage.includes(CLIENT_AUTH) && !usage.includes(ANY_EXTENDED_KEY_USAGE)) {
    return `the certificate is not for client authentication (extended key usage ${usage.join(', ')})`;
  }
  const issuer = trusted.find((ca) => ca.ca && signedBy(leaf, ca));
  if (!issuer) return `the certificate (issuer ${leaf.issuer.replace(/\n/g, ', ')}) is not signed by the configured CA`;
  return validityProblem(issuer, now, `the CA certificate ${issuer.subject}`);
}
