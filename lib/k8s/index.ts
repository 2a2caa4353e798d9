export * from './client';
export * from './counters';
export * from './errors';
export * from './kubeconfig';
export * from './resources';
