// Worker threads do not inherit tsx's loader from the CLI; register it here, then run the worker.
import { tsImport } from 'tsx/esm/api';

await tsImport('./worker.ts', import.meta.url);
