/** An S3 location: `s3://bucket/key`. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** The bucket and key of `s3://bucket/key` (a key may end with `/`, naming a folder), or undefined when `uri` is not one. */
export function parseS3Uri(uri: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return match ? { bucket: match[1], key: match[2] } : undefined;
}
