/** ObjectMeta, as output and as input: shared by every kind. */
import type { ObjectMeta } from '../../apis/meta.js';
import { builder } from '../../builder.js';
import './scalars.js';

export const ObjectMetaRef = builder.objectRef<ObjectMeta>('ObjectMeta').implement({
  description: "Standard object metadata, as Kubernetes' `metav1.ObjectMeta`.",
  fields: (t) => ({
    name: t.exposeString('name'),
    namespace: t.exposeString('namespace', { nullable: true, description: 'Absent on cluster-scoped objects.' }),
    uid: t.exposeString('uid'),
    resourceVersion: t.exposeString('resourceVersion', {
      description: 'Opaque; changes on every write. Send it back on an update to make the update conditional.',
    }),
    generation: t.exposeInt('generation'),
    creationTimestamp: t.expose('creationTimestamp', { type: 'DateTime' }),
    deletionTimestamp: t.expose('deletionTimestamp', { type: 'DateTime', nullable: true }),
    labels: t.expose('labels', { type: 'StringMap' }),
    annotations: t.expose('annotations', { type: 'StringMap' }),
  }),
});

export const ObjectMetaInputRef = builder.inputType('ObjectMetaInput', {
  fields: (t) => ({
    name: t.string({ required: false }),
    generateName: t.string({
      required: false,
      description: 'On create without a name: a prefix to which five random characters are added.',
    }),
    namespace: t.string({ required: false, description: 'If set, must equal the `namespace` argument.' }),
    labels: t.field({ type: 'StringMap', required: false }),
    annotations: t.field({ type: 'StringMap', required: false }),
    resourceVersion: t.string({
      required: false,
      description: 'On update, a precondition: the write fails with CONFLICT unless it is the stored version.',
    }),
  }),
});

export const LocalObjectReferenceInput = builder.inputType('LocalObjectReferenceInput', {
  fields: (t) => ({ name: t.string({ required: true }) }),
});
