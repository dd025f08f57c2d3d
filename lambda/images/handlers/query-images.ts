import * as z from 'zod/mini';
import { documentClient } from '../../shared/aws-clients';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { DynamoImageStore } from '../adapters/dynamo-image-store';
import { queryImages } from '../core/query-images';
import { QueryImagesRequest } from '../core/schemas';

const env = readEnvironment(z.object({ IMAGES_TABLE_NAME: required() }));

export const handler = createHandler(QueryImagesRequest, queryImages(new DynamoImageStore(documentClient(), env.IMAGES_TABLE_NAME)));
