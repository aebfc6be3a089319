import type { Detector } from '../detector.js';
import { dataDetector } from './data/detector.js';
import { ggufDetector } from './gguf/detector.js';
import { numpyDetector } from './numpy/detector.js';
import { safetensorsDetector } from './safetensors/detector.js';
import { unknownDetector } from './unknown/detector.js';

/** Every detector, explicitly. The pipeline picks the first whose `formats` include the sniffed format. */
export const DETECTORS: readonly Detector[] = [safetensorsDetector, ggufDetector, numpyDetector, dataDetector, unknownDetector];
