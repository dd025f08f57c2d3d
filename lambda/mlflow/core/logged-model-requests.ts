import * as z from 'zod/mini';
import { Bool, Int64, KeyValue, MlflowKey, optionalString, repeated, requiredString } from './protocol';
import { LIMITS } from './tracking-requests';

/** The requests of MLflow 3's logged models, one schema each; `model_id` and `tag_key` come from the path. */

const ModelId = requiredString(64);
const Param = KeyValue(LIMITS.key, LIMITS.paramValue);
const Tag = KeyValue(LIMITS.key, LIMITS.runTagValue);

export const CreateLoggedModel = z.looseObject({
  experiment_id: requiredString(64),
  name: optionalString(500),
  model_type: optionalString(500),
  source_run_id: optionalString(64),
  params: repeated(Param),
  tags: repeated(Tag),
});
export const GetLoggedModel = z.looseObject({ model_id: ModelId, allow_deleted: z._default(Bool, false) });
export const FinalizeLoggedModel = z.looseObject({
  model_id: ModelId,
  status: z.enum(['LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED', 'LOGGED_MODEL_PENDING']),
});
export const LoggedModelReference = z.looseObject({ model_id: ModelId });
export const SetLoggedModelTags = z.looseObject({ model_id: ModelId, tags: repeated(Tag) });
export const DeleteLoggedModelTag = z.looseObject({ model_id: ModelId, tag_key: MlflowKey(LIMITS.key) });
export const LogLoggedModelParams = z.looseObject({ model_id: ModelId, params: repeated(Param) });
export const SearchLoggedModels = z.looseObject({
  experiment_ids: repeated(z.string().check(z.maxLength(64))),
  filter: optionalString(8000),
  datasets: repeated(z.looseObject({ dataset_name: requiredString(500), dataset_digest: optionalString(64) })),
  max_results: z.optional(Int64),
  order_by: repeated(
    z.looseObject({
      field_name: requiredString(300),
      ascending: z._default(Bool, true),
      dataset_name: optionalString(500),
      dataset_digest: optionalString(64),
    }),
  ),
  page_token: optionalString(4096),
});
