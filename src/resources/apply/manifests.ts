/**
 * Manifests as kubectl reads them: YAML or JSON, one or many documents (`---`), a `List` (or
 * `…List`) kind's items in its place, comments and empty documents ignored. Each object keeps
 * its document's index (from 0) for the errors that name it.
 */
import { parseAllDocuments, type Tags } from 'yaml';
import { isKind, KINDS, type Kind } from '../../apis/kinds.js';
import { badRequest } from '../../errors.js';

export interface Manifest {
  /** The document it came from (from 0); items of a List share their List's. */
  document: number;
  apiVersion: string;
  kind: string;
  /** Ours, if `apiVersion` and `kind` name one of our kinds. */
  ours?: Kind;
  namespace?: string;
  name: string;
  object: Record<string, unknown>;
}

/**
 * kubectl reads YAML 1.1 (sigs.k8s.io/yaml over go-yaml v2): `0644` is octal (420), `yes`/`on`
 * are true. Timestamps stay strings, as go-yaml v2 leaves them for an untyped target.
 */
const YAML_1_1 = {
  version: '1.1',
  customTags: (tags: Tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
} as const;

/** More objects than this in one apply are refused (a GraphQL request is one transaction). */
const MAX_OBJECTS = 5000;

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function toManifest(document: number, object: Record<string, unknown>): Manifest {
  const apiVersion = object.apiVersion;
  const kind = object.kind;
  if (typeof apiVersion !== 'string' || !apiVersion || typeof kind !== 'string' || !kind) {
    throw badRequest(`document ${document}: apiVersion and kind are required`);
  }
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : undefined;
  const ours = isKind(kind) && KINDS[kind].apiVersion === apiVersion ? kind : undefined;
  return { document, apiVersion, kind, ours, name, namespace, object };
}

/** @throws BAD_REQUEST naming the document that is not YAML, not an object, or names no kind */
export function parseManifests(text: string): Manifest[] {
  const out: Manifest[] = [];
  const documents = parseAllDocuments(text, YAML_1_1);
  const list = Array.isArray(documents) ? documents : [documents];
  list.forEach((doc, document) => {
    if (doc.errors.length) throw badRequest(`document ${document}: not YAML or JSON: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    if (!isRecord(value)) throw badRequest(`document ${document}: expected an object`);
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      for (const item of value.items) {
        if (!isRecord(item)) throw badRequest(`document ${document}: a List item is not an object`);
        out.push(toManifest(document, item));
      }
    } else {
      out.push(toManifest(document, value));
    }
    if (out.length > MAX_OBJECTS) throw badRequest(`more than ${MAX_OBJECTS} objects in one apply`);
  });
  return out;
}
