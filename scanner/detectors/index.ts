import type { Detector } from '../detector.js';
import { sevenZipDetector } from '../containers/sevenzip.js';
import { bzip2Detector } from '../containers/stream/bzip2.js';
import { gzipDetector } from '../containers/stream/gzip.js';
import { lz4Detector } from '../containers/stream/lz4.js';
import { xzDetector } from '../containers/stream/xz.js';
import { zlibDetector } from '../containers/stream/zlib.js';
import { tarDetector } from '../containers/tar/detector.js';
import { torchscriptCodeDetector } from '../containers/torchscript/code-detector.js';
import { zipDetector } from '../containers/zip/detector.js';
import { dataDetector } from './data/detector.js';
import { ggufDetector } from './gguf/detector.js';
import { numpyDetector } from './numpy/detector.js';
import { kerasH5Detector } from './keras/h5-detector.js';
import { onnxDetector } from './onnx/detector.js';
import { pickleDetector } from './pickle/detector.js';
import { savedModelDetector } from './tensorflow/detector.js';
import { safetensorsDetector } from './safetensors/detector.js';
import { unknownDetector } from './unknown/detector.js';

/** Every detector, explicitly. The pipeline picks the first whose `formats` include the sniffed format. */
export const DETECTORS: readonly Detector[] = [
  zipDetector,
  tarDetector,
  gzipDetector,
  zlibDetector,
  bzip2Detector,
  xzDetector,
  lz4Detector,
  sevenZipDetector,
  torchscriptCodeDetector,
  safetensorsDetector,
  ggufDetector,
  numpyDetector,
  pickleDetector,
  kerasH5Detector,
  onnxDetector,
  savedModelDetector,
  dataDetector,
  unknownDetector,
];
