import * as z from 'zod/mini';
import { excerpt } from '../../shared/excerpt';
import { Bool, Int64, KeyValue, optionalString, repeated, requiredString } from './protocol';

/** The requests of MLflow's model registry, one schema each, with MLflow's field names. */

const Name = requiredString(256);
/** Versions travel as strings ("1"); MLflow's server says so when one is not an integer. */
const Version = z.pipe(
  z.union([z.int(), z.string()]),
  z.transform((value, context) => {
    const text = String(value);
    if (/^\d{1,10}$/.test(text) && Number(text) > 0) return Number(text);
    context.issues.push({ code: 'custom', input: value, message: `Parameter 'version' must be an integer, got '${excerpt(text)}'.` });
    return z.NEVER;
  }),
);
/** MLflow's registry tags: keys of 250 characters, values of 5,000. */
const Tag = KeyValue(250, 5000);

export const CreateRegisteredModel = z.looseObject({ name: Name, tags: repeated(Tag), description: optionalString(5000) });
export const RegisteredModelName = z.looseObject({ name: Name });
export const UpdateRegisteredModel = z.looseObject({ name: Name, description: optionalString(5000) });
export const RenameRegisteredModel = z.looseObject({ name: Name, new_name: Name });
export const SearchRegisteredModels = z.looseObject({
  filter: optionalString(8000),
  max_results: z.optional(Int64),
  order_by: repeated(z.string().check(z.maxLength(1000))),
  page_token: optionalString(4096),
});
export const SetRegisteredModelTag = z.looseObject({ name: Name, key: requiredString(250), value: z._default(z.string().check(z.maxLength(5000)), '') });
export const DeleteRegisteredModelTag = z.looseObject({ name: Name, key: requiredString(250) });
export const GetLatestVersions = z.looseObject({ name: Name, stages: repeated(z.string().check(z.maxLength(20))) });
export const SetRegisteredModelAlias = z.looseObject({ name: Name, alias: requiredString(256), version: Version });
export const AliasReference = z.looseObject({ name: Name, alias: requiredString(256) });

export const CreateModelVersion = z.looseObject({
  name: Name,
  source: requiredString(2048),
  run_id: optionalString(64),
  tags: repeated(Tag),
  run_link: optionalString(2048),
  description: optionalString(5000),
  model_id: optionalString(64),
});
export const ModelVersionReference = z.looseObject({ name: Name, version: Version });
export const SearchModelVersions = z.looseObject({
  filter: optionalString(8000),
  max_results: z.optional(Int64),
  order_by: repeated(z.string().check(z.maxLength(1000))),
  page_token: optionalString(4096),
});
export const TransitionModelVersionStage = z.looseObject({
  name: Name,
  version: Version,
  stage: requiredString(20),
  archive_existing_versions: z._default(Bool, false),
});
export const UpdateModelVersion = z.looseObject({ name: Name, version: Version, description: optionalString(5000) });
export const SetModelVersionTag = z.looseObject({
  name: Name,
  version: Version,
  key: requiredString(250),
  value: z._default(z.string().check(z.maxLength(5000)), ''),
});
export const DeleteModelVersionTag = z.looseObject({ name: Name, version: Version, key: requiredString(250) });
