/** The admission plugins, in the order kube-apiserver runs them. */
import { namespaceLifecycle } from './namespaceLifecycle.js';
import type { AdmissionPlugin } from './plugin.js';

export const admissionChain: AdmissionPlugin[] = [namespaceLifecycle];
