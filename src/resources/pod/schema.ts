/**
 * Pod: the spec fields the contract lists (the ServiceAccount-related part of a Pod), as output
 * and as input, and the operations. `Pod.serviceAccount` resolves the account with its own check.
 */
import type {
  Container,
  EnvFromSource,
  EnvVar,
  KeyToPath,
  LocalObjectReference,
  Pod,
  PodSpec,
  ProjectedSource,
  Volume,
  VolumeMount,
} from '../../apis/core.js';
import { builder } from '../../builder.js';
import { can } from '../common/attributes.js';
import { LocalObjectReferenceInput, ObjectMetaInputRef, ObjectMetaRef } from '../common/meta.js';
import { defineOperations, nodeBasics } from '../common/operations.js';
import { ServiceAccountRef } from '../serviceaccount/schema.js';
import { DEFAULT_SERVICE_ACCOUNT } from '../../apis/wellknown.js';

type SecretKeySelector = NonNullable<NonNullable<EnvVar['valueFrom']>['secretKeyRef']>;
type TokenProjection = NonNullable<ProjectedSource['serviceAccountToken']>;
type DownwardAPIProjection = NonNullable<ProjectedSource['downwardAPI']>;
type DownwardAPIFile = NonNullable<DownwardAPIProjection['items']>[number];

const LocalObjectReferenceRef = builder.objectRef<LocalObjectReference>('LocalObjectReference').implement({
  fields: (t) => ({ name: t.exposeString('name') }),
});
const SecretKeySelectorRef = builder.objectRef<SecretKeySelector>('SecretKeySelector').implement({
  fields: (t) => ({ name: t.exposeString('name'), key: t.exposeString('key') }),
});
const EnvVarSourceRef = builder.objectRef<NonNullable<EnvVar['valueFrom']>>('EnvVarSource').implement({
  fields: (t) => ({
    secretKeyRef: t.field({ type: SecretKeySelectorRef, nullable: true, resolve: (s) => s.secretKeyRef ?? null }),
  }),
});
const EnvVarRef = builder.objectRef<EnvVar>('EnvVar').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    value: t.string({ nullable: true, resolve: (e) => e.value ?? null }),
    valueFrom: t.field({ type: EnvVarSourceRef, nullable: true, resolve: (e) => e.valueFrom ?? null }),
  }),
});
const EnvFromSourceRef = builder.objectRef<EnvFromSource>('EnvFromSource').implement({
  fields: (t) => ({
    secretRef: t.field({ type: LocalObjectReferenceRef, nullable: true, resolve: (e) => e.secretRef ?? null }),
  }),
});
const VolumeMountRef = builder.objectRef<VolumeMount>('VolumeMount').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    mountPath: t.exposeString('mountPath'),
    readOnly: t.boolean({ nullable: true, resolve: (m) => m.readOnly ?? null }),
  }),
});
const ContainerRef = builder.objectRef<Container>('Container').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    image: t.string({ nullable: true, resolve: (c) => c.image ?? null }),
    env: t.field({ type: [EnvVarRef], resolve: (c) => c.env ?? [] }),
    envFrom: t.field({ type: [EnvFromSourceRef], resolve: (c) => c.envFrom ?? [] }),
    volumeMounts: t.field({ type: [VolumeMountRef], resolve: (c) => c.volumeMounts ?? [] }),
  }),
});
const KeyToPathRef = builder.objectRef<KeyToPath>('KeyToPath').implement({
  fields: (t) => ({ key: t.exposeString('key'), path: t.exposeString('path') }),
});
const TokenProjectionRef = builder.objectRef<TokenProjection>('ServiceAccountTokenProjection').implement({
  fields: (t) => ({
    audience: t.string({ nullable: true, resolve: (p) => p.audience ?? null }),
    expirationSeconds: t.int({ nullable: true, resolve: (p) => p.expirationSeconds ?? null }),
    path: t.exposeString('path'),
  }),
});
const SecretProjectionRef = builder.objectRef<{ name: string }>('SecretProjection').implement({
  fields: (t) => ({ name: t.exposeString('name') }),
});
const ConfigMapProjectionRef = builder
  .objectRef<NonNullable<ProjectedSource['configMap']>>('ConfigMapProjection')
  .implement({
    fields: (t) => ({
      name: t.exposeString('name'),
      items: t.field({ type: [KeyToPathRef], resolve: (c) => c.items ?? [] }),
    }),
  });
const ObjectFieldSelectorRef = builder
  .objectRef<NonNullable<DownwardAPIFile['fieldRef']>>('ObjectFieldSelector')
  .implement({
    fields: (t) => ({
      apiVersion: t.string({ nullable: true, resolve: (f) => f.apiVersion ?? null }),
      fieldPath: t.exposeString('fieldPath'),
    }),
  });
const DownwardAPIFileRef = builder.objectRef<DownwardAPIFile>('DownwardAPIVolumeFile').implement({
  fields: (t) => ({
    path: t.exposeString('path'),
    fieldRef: t.field({ type: ObjectFieldSelectorRef, nullable: true, resolve: (f) => f.fieldRef ?? null }),
  }),
});
const DownwardAPIProjectionRef = builder.objectRef<DownwardAPIProjection>('DownwardAPIProjection').implement({
  fields: (t) => ({ items: t.field({ type: [DownwardAPIFileRef], resolve: (d) => d.items ?? [] }) }),
});
const VolumeProjectionRef = builder.objectRef<ProjectedSource>('VolumeProjection').implement({
  fields: (t) => ({
    serviceAccountToken: t.field({
      type: TokenProjectionRef,
      nullable: true,
      resolve: (s) => s.serviceAccountToken ?? null,
    }),
    secret: t.field({ type: SecretProjectionRef, nullable: true, resolve: (s) => s.secret ?? null }),
    configMap: t.field({ type: ConfigMapProjectionRef, nullable: true, resolve: (s) => s.configMap ?? null }),
    downwardAPI: t.field({ type: DownwardAPIProjectionRef, nullable: true, resolve: (s) => s.downwardAPI ?? null }),
  }),
});
const ProjectedVolumeSourceRef = builder
  .objectRef<NonNullable<Volume['projected']>>('ProjectedVolumeSource')
  .implement({
    fields: (t) => ({
      defaultMode: t.int({ nullable: true, resolve: (p) => p.defaultMode ?? null }),
      sources: t.field({ type: [VolumeProjectionRef], resolve: (p) => p.sources }),
    }),
  });
const SecretVolumeSourceRef = builder.objectRef<NonNullable<Volume['secret']>>('SecretVolumeSource').implement({
  fields: (t) => ({
    secretName: t.exposeString('secretName'),
    defaultMode: t.int({ nullable: true, resolve: (s) => s.defaultMode ?? null }),
  }),
});
const VolumeRef = builder.objectRef<Volume>('Volume').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    secret: t.field({ type: SecretVolumeSourceRef, nullable: true, resolve: (v) => v.secret ?? null }),
    projected: t.field({ type: ProjectedVolumeSourceRef, nullable: true, resolve: (v) => v.projected ?? null }),
  }),
});
const PodSpecRef = builder.objectRef<PodSpec>('PodSpec').implement({
  fields: (t) => ({
    serviceAccountName: t.string({ nullable: true, resolve: (s) => s.serviceAccountName ?? null }),
    automountServiceAccountToken: t.boolean({ nullable: true, resolve: (s) => s.automountServiceAccountToken ?? null }),
    nodeName: t.string({ nullable: true, resolve: (s) => s.nodeName ?? null }),
    initContainers: t.field({ type: [ContainerRef], resolve: (s) => s.initContainers ?? [] }),
    containers: t.field({ type: [ContainerRef], resolve: (s) => s.containers }),
    volumes: t.field({ type: [VolumeRef], resolve: (s) => s.volumes ?? [] }),
    imagePullSecrets: t.field({ type: [LocalObjectReferenceRef], resolve: (s) => s.imagePullSecrets ?? [] }),
  }),
});

const PodRef = builder.objectRef<Pod>('Pod');
builder.node(PodRef, {
  ...nodeBasics('Pod'),
  description: 'A workload. It runs as a ServiceAccount, `default` unless it names another.',
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaRef, resolve: (p) => p.metadata }),
    spec: t.field({ type: PodSpecRef, resolve: (p) => p.spec }),
    serviceAccount: t.field({
      type: ServiceAccountRef,
      nullable: true,
      description: 'The ServiceAccount this Pod runs as, or null if it no longer exists. (RBAC: get serviceaccounts)',
      authScopes: (p) => ({
        k8s: can('get', 'ServiceAccount', p.metadata.namespace, p.spec.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT),
      }),
      resolve: (p, _args, ctx) =>
        ctx.objects.load(
          'ServiceAccount',
          p.metadata.namespace ?? '',
          p.spec.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT,
        ),
    }),
  }),
});

// Inputs mirror the output types field for field, so a manifest maps onto them one to one.
const SecretKeySelectorInput = builder.inputType('SecretKeySelectorInput', {
  fields: (t) => ({ name: t.string({ required: true }), key: t.string({ required: true }) }),
});
const EnvVarSourceInput = builder.inputType('EnvVarSourceInput', {
  fields: (t) => ({ secretKeyRef: t.field({ type: SecretKeySelectorInput, required: false }) }),
});
const EnvVarInput = builder.inputType('EnvVarInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    value: t.string({ required: false }),
    valueFrom: t.field({ type: EnvVarSourceInput, required: false }),
  }),
});
const EnvFromSourceInput = builder.inputType('EnvFromSourceInput', {
  fields: (t) => ({ secretRef: t.field({ type: LocalObjectReferenceInput, required: false }) }),
});
const VolumeMountInput = builder.inputType('VolumeMountInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    mountPath: t.string({ required: true }),
    readOnly: t.boolean({ required: false }),
  }),
});
const ContainerInput = builder.inputType('ContainerInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    image: t.string({ required: false }),
    env: t.field({ type: [EnvVarInput], required: false }),
    envFrom: t.field({ type: [EnvFromSourceInput], required: false }),
    volumeMounts: t.field({ type: [VolumeMountInput], required: false }),
  }),
});
const KeyToPathInput = builder.inputType('KeyToPathInput', {
  fields: (t) => ({ key: t.string({ required: true }), path: t.string({ required: true }) }),
});
const TokenProjectionInput = builder.inputType('ServiceAccountTokenProjectionInput', {
  fields: (t) => ({
    audience: t.string({ required: false }),
    expirationSeconds: t.int({ required: false }),
    path: t.string({ required: true }),
  }),
});
const SecretProjectionInput = builder.inputType('SecretProjectionInput', {
  fields: (t) => ({ name: t.string({ required: true }) }),
});
const ConfigMapProjectionInput = builder.inputType('ConfigMapProjectionInput', {
  fields: (t) => ({ name: t.string({ required: true }), items: t.field({ type: [KeyToPathInput], required: false }) }),
});
const ObjectFieldSelectorInput = builder.inputType('ObjectFieldSelectorInput', {
  fields: (t) => ({ apiVersion: t.string({ required: false }), fieldPath: t.string({ required: true }) }),
});
const DownwardAPIFileInput = builder.inputType('DownwardAPIVolumeFileInput', {
  fields: (t) => ({
    path: t.string({ required: true }),
    fieldRef: t.field({ type: ObjectFieldSelectorInput, required: false }),
  }),
});
const DownwardAPIProjectionInput = builder.inputType('DownwardAPIProjectionInput', {
  fields: (t) => ({ items: t.field({ type: [DownwardAPIFileInput], required: false }) }),
});
const VolumeProjectionInput = builder.inputType('VolumeProjectionInput', {
  fields: (t) => ({
    serviceAccountToken: t.field({ type: TokenProjectionInput, required: false }),
    secret: t.field({ type: SecretProjectionInput, required: false }),
    configMap: t.field({ type: ConfigMapProjectionInput, required: false }),
    downwardAPI: t.field({ type: DownwardAPIProjectionInput, required: false }),
  }),
});
const ProjectedVolumeSourceInput = builder.inputType('ProjectedVolumeSourceInput', {
  fields: (t) => ({
    defaultMode: t.int({ required: false }),
    sources: t.field({ type: [VolumeProjectionInput], required: true }),
  }),
});
const SecretVolumeSourceInput = builder.inputType('SecretVolumeSourceInput', {
  fields: (t) => ({
    secretName: t.string({ required: true }),
    defaultMode: t.int({ required: false, description: 'File mode bits (0 to 0777; YAML 0644 is octal).' }),
  }),
});
const VolumeInput = builder.inputType('VolumeInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    secret: t.field({ type: SecretVolumeSourceInput, required: false }),
    projected: t.field({ type: ProjectedVolumeSourceInput, required: false }),
  }),
});
const PodSpecInput = builder.inputType('PodSpecInput', {
  fields: (t) => ({
    serviceAccountName: t.string({ required: false }),
    automountServiceAccountToken: t.boolean({ required: false }),
    nodeName: t.string({ required: false }),
    initContainers: t.field({ type: [ContainerInput], required: false }),
    containers: t.field({ type: [ContainerInput], required: true }),
    volumes: t.field({ type: [VolumeInput], required: false }),
    imagePullSecrets: t.field({ type: [LocalObjectReferenceInput], required: false }),
  }),
});
const PodInput = builder.inputType('PodInput', {
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaInputRef, required: true }),
    spec: t.field({
      type: PodSpecInput,
      required: false,
      description: 'Required on create; after that only metadata may change.',
    }),
  }),
});

defineOperations('Pod', PodRef, PodInput);
