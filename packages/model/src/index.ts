export * from './lstm';
