// Engine and storage-format versions recorded in every manifest.
export const ENGINE_VERSION = '0.1.0';
