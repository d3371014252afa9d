/**
 * Pods (`pkg/registry/core/pod/strategy.go`, `ValidatePodCreate`, `ValidatePodUpdate`): the
 * ServiceAccount-related subset of a Pod spec, validated as Kubernetes'
 * `pkg/apis/core/validation` validates it, with the same paths, messages and order (volumes,
 * containers, init containers, then the rest). After create only labels and annotations may change.
 *
 * Where Kubernetes reports an error at an odd path (a projected token's `path`, downward API
 * files, `envFrom`), the path is Kubernetes' own, kept so that clients see the same message.
 */
import { jsonEqual } from '../../util/maps.js';
import type {
  Container,
  EnvFromSource,
  EnvVar,
  Pod,
  ProjectedSource,
  SecretKeySelector,
  Volume,
  VolumeMount,
} from '../../apis/core.js';
import type { Strategy } from '../../registry/strategy.js';
import { field, Path, type ErrorList } from '../../validation/field.js';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  nameIsDNSSubdomain,
} from '../../validation/names.js';

type DownwardAPIFile = NonNullable<NonNullable<NonNullable<ProjectedSource['downwardAPI']>['items']>[number]>;
type FieldSelector = NonNullable<DownwardAPIFile['fieldRef']>;

const FILE_MODE_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';

/** Field paths a downward API volume file may name (`validVolumeDownwardAPIFieldPathExpressions`, sorted). */
const VOLUME_FIELD_PATHS = [
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
];

/** Field paths an env var may name (`validEnvDownwardAPIFieldPathExpressions`, sorted). */
const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];

/** `validContainerResourceFieldPathExpressions` (sorted), and the huge-page prefixes also accepted. */
const RESOURCE_FIELD_PATHS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];
const RESOURCE_FIELD_PREFIXES = ['limits.hugepages-', 'requests.hugepages-'];

/** Field labels `ConvertDownwardAPIFieldLabel` accepts for v1 Pods (`spec.host` is renamed). */
const POD_FIELD_LABELS = new Set([
  ...VOLUME_FIELD_PATHS,
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

/** Each message as an Invalid error at `at`. */
const invalids = (at: Path, value: string, msgs: string[]): ErrorList =>
  msgs.map((msg) => field.invalid(at, value, msg));

/** `ValidateLocalNonReservedPath`: relative, no `..` element, not starting with `..`. */
function validateLocalNonReservedPath(target: string, at: Path): ErrorList {
  const errs: ErrorList = [];
  if (target.startsWith('/')) errs.push(field.invalid(at, target, 'must be a relative path'));
  if (target.split('/').includes('..')) errs.push(field.invalid(at, target, "must not contain '..'"));
  if (target.startsWith('..') && !target.startsWith('../'))
    errs.push(field.invalid(at, target, "must not start with '..'"));
  return errs;
}

/** `fieldpath.SplitMaybeSubscriptedPath`: `metadata.labels['app']` → [`metadata.labels`, `app`]. */
function splitSubscript(fieldPath: string): [string, string] | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const s = fieldPath.slice(0, -2);
  const at = s.indexOf("['");
  if (at <= 0) return undefined;
  return [s.slice(0, at), s.slice(at + 2)];
}

/**
 * `validateObjectFieldSelector` with the field paths allowed where it is (a volume's or an env
 * var's). An empty apiVersion counts as `v1`, as Kubernetes' defaulting makes it before validation.
 */
function validateObjectFieldSelector(fs: FieldSelector, at: Path, allowed = VOLUME_FIELD_PATHS): ErrorList {
  const apiVersion = fs.apiVersion || 'v1';
  const fieldPathAt = at.child('fieldPath');
  if (!fs.fieldPath) return [field.required(fieldPathAt)];
  // pods.ConvertDownwardAPIFieldLabel
  const converting = (msg: string) => [field.invalid(fieldPathAt, fs.fieldPath, `error converting fieldPath: ${msg}`)];
  if (apiVersion !== 'v1') return converting(`unsupported pod version: ${apiVersion}`);
  const subscripted = splitSubscript(fs.fieldPath);
  if (subscripted) {
    const [path, subscript] = subscripted;
    if (path === 'metadata.annotations')
      return invalids(at, subscript.toLowerCase(), isQualifiedName(subscript.toLowerCase()));
    if (path === 'metadata.labels') return invalids(at, subscript, isQualifiedName(subscript));
    return converting(`field label does not support subscript: ${fs.fieldPath}`);
  }
  const path = fs.fieldPath === 'spec.host' ? 'spec.nodeName' : fs.fieldPath;
  if (!POD_FIELD_LABELS.has(path)) return converting(`field label not supported: ${fs.fieldPath}`);
  if (!allowed.includes(path)) return [field.notSupported(fieldPathAt, path, allowed)];
  return [];
}

/** `validateContainerResourceFieldSelector` for an env var (the divisor is not checked). */
function validateResourceFieldSelector(resource: string, at: Path): ErrorList {
  if (!resource) return [field.required(at.child('resource'))];
  if (RESOURCE_FIELD_PATHS.includes(resource) || RESOURCE_FIELD_PREFIXES.some((p) => resource.startsWith(p))) return [];
  return [field.notSupported(at.child('resource'), resource, RESOURCE_FIELD_PATHS)];
}

/** `validateDownwardAPIVolumeFile`; Kubernetes passes it the source's path, not the item's. */
function validateDownwardAPIFile(file: DownwardAPIFile, at: Path): ErrorList {
  const errs: ErrorList = [];
  if (!file.path) errs.push(field.required(at.child('path')));
  errs.push(...validateLocalNonReservedPath(file.path, at.child('path')));
  if (file.fieldRef) errs.push(...validateObjectFieldSelector(file.fieldRef, at.child('fieldRef')));
  else errs.push(field.required(at, 'one of fieldRef and resourceFieldRef is required'));
  return errs;
}

/**
 * `validateProjectionSources`: each source has at most one kind; file paths of the secret,
 * configMap and downwardAPI items are distinct across the volume (the token's path is not counted).
 */
function validateProjectionSources(sources: ProjectedSource[], at: Path): ErrorList {
  const errs: ErrorList = [];
  const paths = new Set<string>();
  const claim = (path: string, value: string) => {
    if (!path) return;
    if (paths.has(path)) errs.push(field.invalid(at, value, 'conflicting duplicate paths'));
    paths.add(path);
  };
  sources.forEach((source, i) => {
    const src = at.child('sources').index(i);
    let kinds = 0;
    if (source.secret) {
      kinds++;
      if (!source.secret.name) errs.push(field.required(src.child('secret').child('name')));
    }
    const configMap = source.configMap;
    if (configMap) {
      kinds++;
      const cm = src.child('configMap');
      if (!configMap.name) errs.push(field.required(cm.child('name')));
      (configMap.items ?? []).forEach((kp, k) => {
        // validateKeyToPath
        const item = cm.child('items').index(k);
        if (!kp.key) errs.push(field.required(item.child('key')));
        if (!kp.path) errs.push(field.required(item.child('path')));
        errs.push(...validateLocalNonReservedPath(kp.path, item.child('path')));
        claim(kp.path, configMap.name);
      });
    }
    if (source.downwardAPI) {
      kinds++;
      for (const file of source.downwardAPI.items ?? []) {
        errs.push(...validateDownwardAPIFile(file, src.child('downwardAPI')));
        claim(file.path, file.path);
      }
    }
    if (source.serviceAccountToken) {
      kinds++;
      const token = source.serviceAccountToken;
      const seconds = src.child('serviceAccountToken').child('expirationSeconds');
      // Unset means Kubernetes' default of 3600.
      if (token.expirationSeconds != null && token.expirationSeconds < 10 * 60) {
        errs.push(field.invalid(seconds, token.expirationSeconds, 'may not specify a duration less than 10 minutes'));
      }
      if (token.expirationSeconds != null && token.expirationSeconds > 2 ** 32) {
        errs.push(
          field.invalid(seconds, token.expirationSeconds, 'may not specify a duration larger than 2^32 seconds'),
        );
      }
      // Kubernetes reports the token's path at `projected.path`.
      if (!token.path) errs.push(field.required(at.child('path')));
      else errs.push(...validateLocalNonReservedPath(token.path, at.child('path')));
    }
    if (kinds > 1) errs.push(field.forbidden(src, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

/** `validateVolumeSource` for the secret and projected sources. */
function validateVolumeSource(volume: Volume, at: Path): ErrorList {
  const errs: ErrorList = [];
  let kinds = 0;
  if (volume.secret) {
    kinds++;
    // validateSecretVolumeSource: required, but not checked as a name.
    if (!volume.secret.secretName) errs.push(field.required(at.child('secret').child('secretName')));
    const mode = volume.secret.defaultMode;
    if (mode != null && (mode < 0 || mode > 0o777))
      errs.push(field.invalid(at.child('secret').child('defaultMode'), mode, FILE_MODE_MSG));
  }
  if (volume.projected) {
    const projected = at.child('projected');
    if (kinds > 0) {
      errs.push(field.forbidden(projected, 'may not specify more than 1 volume type'));
    } else {
      kinds++;
      // validateProjectedVolumeSource
      const mode = volume.projected.defaultMode;
      if (mode != null && (mode < 0 || mode > 0o777))
        errs.push(field.invalid(projected.child('defaultMode'), mode, FILE_MODE_MSG));
      errs.push(...validateProjectionSources(volume.projected.sources ?? [], projected));
    }
  }
  if (kinds === 0) errs.push(field.required(at, 'must specify a volume type'));
  return errs;
}

/**
 * `ValidateVolumes`: returns the names of the valid volumes (the only ones mounts may name) and
 * the errors. A volume with any error is left out, so it neither clashes with later ones nor can
 * be mounted.
 */
function validateVolumes(volumes: Volume[], at: Path): { names: Set<string>; errs: ErrorList } {
  const names = new Set<string>();
  const errs: ErrorList = [];
  volumes.forEach((volume, i) => {
    const here = at.index(i);
    const name = here.child('name');
    const el = validateVolumeSource(volume, here);
    if (!volume.name) el.push(field.required(name));
    else el.push(...invalids(name, volume.name, isDNS1123Label(volume.name)));
    if (names.has(volume.name)) el.push(field.duplicate(name, volume.name));
    if (el.length === 0) names.add(volume.name);
    else errs.push(...el);
  });
  return { names, errs };
}

/**
 * `validateSecretKeySelector` (and `validateConfigMapKeySelector`, the same rules): the name is
 * checked even when empty, as Kubernetes does.
 */
function validateKeySelector(ref: SecretKeySelector, at: Path): ErrorList {
  const errs = invalids(at.child('name'), ref.name, nameIsDNSSubdomain(ref.name, false));
  if (!ref.key) errs.push(field.required(at.child('key')));
  else errs.push(...invalids(at.child('key'), ref.key, isConfigMapKey(ref.key)));
  return errs;
}

/** `ValidateEnv` and `validateEnvVarValueFrom`. */
function validateEnv(env: EnvVar[], at: Path): ErrorList {
  const errs: ErrorList = [];
  env.forEach((ev, i) => {
    const here = at.index(i);
    if (!ev.name) errs.push(field.required(here.child('name')));
    else errs.push(...invalids(here.child('name'), ev.name, isEnvVarName(ev.name)));
    if (!ev.valueFrom) return;
    const from = here.child('valueFrom');
    let sources = 0;
    const { fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef } = ev.valueFrom;
    if (fieldRef) {
      sources++;
      errs.push(...validateObjectFieldSelector(fieldRef, from.child('fieldRef'), ENV_FIELD_PATHS));
    }
    if (resourceFieldRef) {
      sources++;
      errs.push(...validateResourceFieldSelector(resourceFieldRef.resource, from.child('resourceFieldRef')));
    }
    if (configMapKeyRef) {
      sources++;
      errs.push(...validateKeySelector(configMapKeyRef, from.child('configMapKeyRef')));
    }
    if (secretKeyRef) {
      sources++;
      errs.push(...validateKeySelector(secretKeyRef, from.child('secretKeyRef')));
    }
    if (sources === 0) {
      errs.push(
        field.invalid(
          from,
          '',
          'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        ),
      );
    } else if (ev.value) {
      errs.push(field.invalid(from, '', 'may not be specified when `value` is not empty'));
    } else if (sources > 1) {
      errs.push(field.invalid(from, '', 'may not have more than one field specified at a time'));
    }
  });
  return errs;
}

/** `ValidateEnvFrom`; a missing source is reported at `envFrom` itself, as Kubernetes does. */
function validateEnvFrom(envFrom: EnvFromSource[], at: Path): ErrorList {
  const errs: ErrorList = [];
  envFrom.forEach((ev, i) => {
    const here = at.index(i);
    if (ev.prefix) errs.push(...invalids(here.child('prefix'), ev.prefix, isEnvVarName(ev.prefix)));
    const refs = (['configMapRef', 'secretRef'] as const).filter((k) => ev[k]);
    if (refs.length === 0) {
      errs.push(field.invalid(at, '', 'must specify one of: `configMapRef` or `secretRef`'));
      return;
    }
    // validateConfigMapEnvSource, validateSecretEnvSource
    for (const ref of refs) {
      const name = here.child(ref).child('name');
      const value = ev[ref]!.name;
      if (!value) errs.push(field.required(name));
      else errs.push(...invalids(name, value, nameIsDNSSubdomain(value, true)));
    }
    if (refs.length > 1) errs.push(field.invalid(here, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

/** `ValidateVolumeMounts`: each mount names a valid volume; mount paths are unique per container. */
function validateVolumeMounts(mounts: VolumeMount[], volumes: Set<string>, at: Path): ErrorList {
  const errs: ErrorList = [];
  const mountPaths = new Set<string>();
  mounts.forEach((mount, i) => {
    const here = at.index(i);
    if (!mount.name) errs.push(field.required(here.child('name')));
    if (!volumes.has(mount.name)) errs.push(field.notFound(here.child('name'), mount.name));
    if (!mount.mountPath) errs.push(field.required(here.child('mountPath')));
    if (mountPaths.has(mount.mountPath))
      errs.push(field.invalid(here.child('mountPath'), mount.mountPath, 'must be unique'));
    mountPaths.add(mount.mountPath);
  });
  return errs;
}

/** `validateContainerCommon`: name, image, env, envFrom and volume mounts. */
function validateContainerCommon(c: Container, volumes: Set<string>, at: Path): ErrorList {
  const errs: ErrorList = [];
  if (!c.name) errs.push(field.required(at.child('name')));
  else errs.push(...invalids(at.child('name'), c.name, isDNS1123Label(c.name)));
  if (!c.image) errs.push(field.required(at.child('image')));
  errs.push(...validateEnv(c.env ?? [], at.child('env')));
  errs.push(...validateEnvFrom(c.envFrom ?? [], at.child('envFrom')));
  errs.push(...validateVolumeMounts(c.volumeMounts ?? [], volumes, at.child('volumeMounts')));
  return errs;
}

/** `validateContainers`: at least one; names unique among the regular containers. */
function validateContainers(containers: Container[], volumes: Set<string>, at: Path): ErrorList {
  if (containers.length === 0) return [field.required(at)];
  const errs: ErrorList = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    errs.push(...validateContainerCommon(c, volumes, at.index(i)));
    if (names.has(c.name)) errs.push(field.duplicate(at.index(i).child('name'), c.name));
    names.add(c.name);
  });
  return errs;
}

/** `validateInitContainers`: names unique among init and regular containers together. */
function validateInitContainers(inits: Container[], regular: Container[], volumes: Set<string>, at: Path): ErrorList {
  const errs: ErrorList = [];
  const names = new Set(regular.map((c) => c.name));
  inits.forEach((c, i) => {
    errs.push(...validateContainerCommon(c, volumes, at.index(i)));
    if (names.has(c.name)) errs.push(field.duplicate(at.index(i).child('name'), c.name));
    else if (c.name) names.add(c.name);
  });
  return errs;
}

/** `ValidatePodSpec` for Keyway's fields, in Kubernetes' order. */
export function validatePodSpec(pod: Pod): ErrorList {
  const spec = Path.root('spec');
  const containers = pod.spec?.containers ?? [];
  const { names: volumes, errs } = validateVolumes(pod.spec?.volumes ?? [], spec.child('volumes'));
  errs.push(...validateContainers(containers, volumes, spec.child('containers')));
  errs.push(
    ...validateInitContainers(pod.spec?.initContainers ?? [], containers, volumes, spec.child('initContainers')),
  );
  const serviceAccountName = pod.spec?.serviceAccountName;
  if (serviceAccountName)
    errs.push(
      ...invalids(spec.child('serviceAccountName'), serviceAccountName, isDNS1123Subdomain(serviceAccountName)),
    );
  const nodeName = pod.spec?.nodeName;
  if (nodeName) errs.push(...invalids(spec.child('nodeName'), nodeName, isDNS1123Subdomain(nodeName)));
  return errs;
}

export const podStrategy: Strategy<Pod> = {
  kind: 'Pod',
  validateName: nameIsDNSSubdomain,
  defaults: (pod) => ({ ...pod, spec: pod.spec ?? { containers: [] } }),
  prepareForCreate: (pod) => pod,
  validate: validatePodSpec,
  prepareForUpdate: (pod) => pod,
  validateUpdate(pod, old) {
    if (!jsonEqual(pod.spec, old.spec)) {
      return [
        field.forbidden(
          'spec',
          'pod updates may not change fields other than `metadata.labels` and `metadata.annotations`',
        ),
      ];
    }
    return [];
  },
};
