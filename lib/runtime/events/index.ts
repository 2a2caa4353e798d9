export * from './apiserver';
export * from './intake';
export * from './types';
