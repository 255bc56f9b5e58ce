// Test helpers, for this workspace's tests only: `@piano-lstm/evaluation/testing` (Jest maps it to
// this file); not part of the published package (tsconfig.lib.json leaves testing out of dist).
export { makeFakeRunFolder, writeMidiNotes, fakePiece, loopingPiece } from './testing/fake-run-folder';
export type { FakeRun, FakeRunOptions } from './testing/fake-run-folder';
