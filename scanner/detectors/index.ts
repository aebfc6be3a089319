import type { Detector } from '../detector.js';
import { dataDetector } from './data/detector.js';
import { ggufDetector } from './gguf/detector.js';
import { kerasH5Detector } from './keras/h5-detector.js';
import { numpyDetector } from './numpy/detector.js';
import { onnxDetector } from './onnx/detector.js';
import { safetensorsDetector } from './safetensors/detector.js';
import { savedModelDetector } from './tensorflow/detector.js';
import { unknownDetector } from './unknown/detector.js';

/** Every detector, explicitly. The pipeline picks the first whose `formats` include the sniffed format. */
export const DETECTORS: readonly Detector[] = [safetensorsDetector, ggufDetector, numpyDetector, kerasH5Detector, onnxDetector, savedModelDetector, dataDetector, unknownDetector];
