// adaptivecards-templating's typings import the TypeScript *sources* of adaptivecards ('adaptivecards/src/schema'),
// which do not compile under this project's settings. tsconfig "paths" points that one import here instead.
export type IAdaptiveCard = Record<string, unknown>;
