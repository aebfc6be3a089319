import h5wasm from 'h5wasm/node';

let counter = 0;

/**
 * Test-only: write a small HDF5 file with h5wasm (the HDF5 C library) in its in-memory file system and return
 * its bytes. `libver: 'earliest'` (HDF5's default bounds) gives superblock v0 and v1 object headers (as h5py/Keras write by default),
 * `'latest'` superblock v3 and v2 object headers.
 */
export async function writeHdf5(
  attrs: Record<string, string>,
  options: { libver?: 'earliest' | 'latest'; floats?: number } = {},
): Promise<Uint8Array> {
  const { FS } = await h5wasm.ready;
  const name = `/cavra-test-${process.pid}-${counter++}.h5`;
  const libver =
    options.libver === 'latest' ? (['latest', 'latest'] as const) : (['earliest', 'latest'] as const);
  const file = new h5wasm.File(name, 'w', { libver: [...libver] });
  for (const [k, value] of Object.entries(attrs)) file.create_attribute(k, value);
  file.create_group('model_weights');
  file.create_dataset({ name: 'model_weights/kernel', data: new Float32Array(options.floats ?? 256) });
  file.close();
  const bytes = FS!.readFile(name);
  FS!.unlink(name);
  return new Uint8Array(bytes);
}
