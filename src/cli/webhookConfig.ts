/**
 * The kubeconfig-format files kube-apiserver reads for its webhooks
 * (`--authentication-token-webhook-config-file`, `--authorization-webhook-config-file`): the
 * cluster's `server` is the review endpoint's full URL, the user the credential kube-apiserver
 * presents (which must be allowed to create the reviews, as `system:auth-delegator` grants).
 */
import { stringify } from 'yaml';

export type WebhookKind = 'authentication' | 'authorization';

export const WEBHOOKS: Record<WebhookKind, { resource: string; flag: string; versionFlag: string }> = {
  authentication: {
    resource: 'authentication.k8s.io/{version}/tokenreviews',
    flag: '--authentication-token-webhook-config-file',
    versionFlag: '--authentication-token-webhook-version',
  },
  authorization: {
    resource: 'authorization.k8s.io/{version}/subjectaccessreviews',
    flag: '--authorization-webhook-config-file',
    versionFlag: '--authorization-webhook-version',
  },
};

export interface WebhookConfigOptions {
  /** Keyway's base URL. */
  server: string;
  /** The review API version kube-apiserver is told to send (its `…-webhook-version` flag). */
  version: 'v1' | 'v1beta1';
  token?: string;
  /** PEM of the CA that signed Keyway's serving certificate. */
  certificateAuthority?: string;
  insecureSkipTLSVerify?: boolean;
}

/** The review endpoint kube-apiserver will POST to. */
export function webhookURL(kind: WebhookKind, o: Pick<WebhookConfigOptions, 'server' | 'version'>): string {
  return `${o.server.replace(/\/$/, '')}/apis/${WEBHOOKS[kind].resource.replace('{version}', o.version)}`;
}

/** One webhook's kubeconfig, as YAML. */
export function webhookKubeconfig(kind: WebhookKind, o: WebhookConfigOptions): string {
  const cluster: Record<string, unknown> = { server: webhookURL(kind, o) };
  if (o.certificateAuthority) {
    cluster['certificate-authority-data'] = Buffer.from(o.certificateAuthority).toString('base64');
  }
  if (o.insecureSkipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'keyway', cluster }],
    users: [{ name: 'kube-apiserver', user: o.token ? { token: o.token } : {} }],
    contexts: [{ name: 'webhook', context: { cluster: 'keyway', user: 'kube-apiserver' } }],
    'current-context': 'webhook',
  });
}
