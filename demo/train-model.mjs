#!/usr/bin/env node
/**
 * The demo's training script, run as a child process the way a user's own script would be:
 *
 *   node local/demo/train-model.mjs --epochs 200 --learning-rate 0.5 --seed 7 --out runs/v2
 *
 * (`--shifted`: the same customers a later month, bills 30% higher and two more support calls each.)
 *
 * Generates a synthetic customer-churn data set from the seed (2,000 rows, 4 correlated
 * features), splits it 80/20, trains a logistic regression by full-batch gradient descent (one
 * step per epoch, on standardized features) and writes to the output folder:
 *
 *   train.csv, validation.csv  the data, exactly as trained and scored on
 *   model.json                 weights, bias, feature names and scaling, hyperparameters, and the
 *                              SHA-256 of each CSV (the provenance a registry records)
 *   metrics.json               accuracy, ROC AUC and log loss on the validation rows
 *
 * It reports to experiment tracking the way any script can, by printing lines that
 * `mlops run exec` records (and that read as plain output without it):
 *
 *   mlops:param epochs=200 learning_rate=0.5 seed=7       its hyperparameters, once
 *   mlops:metric train_logloss=0.4123 step=17             the training loss, every epoch
 *   {"mlops":{"metrics":{"auc":0.91,...},"step":200}}     the validation metrics, as a JSON line
 *
 * No dependencies and no clock or path in the outputs: the same arguments give the same bytes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ROWS = 2000;
const VALIDATION_FRACTION = 0.2;
const FEATURES = ['tenure_months', 'monthly_charges', 'support_calls', 'total_charges_k'];
const LABEL = 'churned';
const PROGRESS_LINES = 5;

const USAGE = 'usage: node train-model.mjs --out DIR [--epochs N (default 100)] [--learning-rate X (default 0.1)] [--seed S (default 7)] [--shifted]';

function fail(message) {
  process.stderr.write(`train-model: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        epochs: { type: 'string', default: '100' },
        'learning-rate': { type: 'string', default: '0.1' },
        seed: { type: 'string', default: '7' },
        shifted: { type: 'boolean', default: false },
        out: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(error.message);
  }
  const epochs = Number(values.epochs);
  const learningRate = Number(values['learning-rate']);
  const seed = Number(values.seed);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 100_000) fail(`--epochs must be a whole number from 1 to 100000, got "${values.epochs}"`);
  if (!Number.isFinite(learningRate) || learningRate <= 0 || learningRate > 10)
    fail(`--learning-rate must be a number in (0, 10], got "${values['learning-rate']}"`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail(`--seed must be a whole number from 0 to 4294967295, got "${values.seed}"`);
  if (!values.out) fail('--out is required');
  return { epochs, learningRate, seed, shifted: values.shifted, out: values.out };
}

/** mulberry32: a small, fast, seedable PRNG; uniform in [0, 1). */
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box-Muller). */
function normal(random) {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const sigmoid = (z) => 1 / (1 + Math.exp(-z));
const round = (value, decimals) => Number(value.toFixed(decimals));
const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

/**
 * Customers who churn less the longer they stay and more the more they have paid for their
 * tenure. Total charges follow tenure closely (correlation about 0.8) while the two pull churn
 * opposite ways, so the problem is ill-conditioned: a few gradient steps find a poor direction,
 * many find the right one. Values are rounded as written to the CSV, so the file is exactly what
 * the model sees.
 */
function generateRows(seed) {
  const random = prng(seed);
  const rows = [];
  for (let i = 0; i < ROWS; i++) {
    const tenure = clamp(Math.round(30 + 20 * normal(random)), 1, 72);
    const charges = round(clamp(70 + 25 * normal(random), 18, 120), 2);
    const calls = Math.min(10, Math.floor(-Math.log(1 - random()) * 1.5));
    const total = round((tenure * charges * (1 + 0.2 * normal(random))) / 1000, 3);
    const logit = -0.3 - 4 * ((tenure - 30) / 20) - 0.5 * ((charges - 70) / 25) + 0.3 * ((calls - 1.5) / 1.5) + 4 * ((total - 2.1) / 1.5);
    const churned = random() < sigmoid(logit) ? 1 : 0;
    rows.push({ x: [tenure, charges, calls, total], y: churned });
  }
  return rows;
}

/**
 * The customers of a later month, as the demo's production traffic shows them: bills 30% higher and two more
 * calls to support each; who churned is unchanged, so the old weights fit them worse.
 */
const shift = (rows) => rows.map(({ x: [tenure, charges, calls, total], y }) => ({ x: [tenure, round(charges * 1.3, 2), calls + 2, total], y }));

/** A seeded Fisher-Yates shuffle, then the first 80% train and the rest validate. */
function split(rows, seed) {
  const random = prng(seed ^ 0x9e3779b9);
  const shuffled = [...rows];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const validationRows = Math.round(shuffled.length * VALIDATION_FRACTION);
  return { train: shuffled.slice(validationRows), validation: shuffled.slice(0, validationRows) };
}

function toCsv(rows) {
  return `${[...FEATURES, LABEL].join(',')}\n${rows.map((row) => [...row.x, row.y].join(',')).join('\n')}\n`;
}

/** Mean and standard deviation of each feature over the training rows. */
function scaling(rows) {
  const mean = FEATURES.map((_, f) => rows.reduce((sum, row) => sum + row.x[f], 0) / rows.length);
  const std = FEATURES.map((_, f) => Math.sqrt(rows.reduce((sum, row) => sum + (row.x[f] - mean[f]) ** 2, 0) / rows.length) || 1);
  return { mean, std };
}

const standardize = (rows, { mean, std }) => rows.map((row) => ({ x: row.x.map((value, f) => (value - mean[f]) / std[f]), y: row.y }));

function predict(weights, bias, x) {
  let z = bias;
  for (let f = 0; f < x.length; f++) z += weights[f] * x[f];
  return sigmoid(z);
}

function logLoss(labels, probabilities) {
  const epsilon = 1e-15;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = clamp(probabilities[i], epsilon, 1 - epsilon);
    total -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return total / labels.length;
}

/** ROC AUC as the Mann-Whitney U statistic: the chance a positive outscores a negative, ties counted half. */
function rocAuc(labels, scores) {
  const order = scores.map((score, index) => ({ score, label: labels[index] })).sort((a, b) => a.score - b.score);
  let positiveRankSum = 0;
  let positives = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].score === order[start].score) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) {
      if (order[i].label === 1) {
        positiveRankSum += averageRank;
        positives++;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function evaluate(weights, bias, rows) {
  const labels = rows.map((row) => row.y);
  const probabilities = rows.map((row) => predict(weights, bias, row.x));
  const correct = probabilities.filter((p, i) => (p >= 0.5 ? 1 : 0) === labels[i]).length;
  return { accuracy: correct / rows.length, auc: rocAuc(labels, probabilities), logloss: logLoss(labels, probabilities) };
}

/** Full-batch gradient descent on the mean log loss, from zero weights; calls `onEpoch` after each step. */
function train(rows, { epochs, learningRate }, onEpoch) {
  const weights = FEATURES.map(() => 0);
  let bias = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const gradient = FEATURES.map(() => 0);
    let biasGradient = 0;
    for (const row of rows) {
      const error = predict(weights, bias, row.x) - row.y;
      for (let f = 0; f < FEATURES.length; f++) gradient[f] += error * row.x[f];
      biasGradient += error;
    }
    for (let f = 0; f < FEATURES.length; f++) weights[f] -= (learningRate * gradient[f]) / rows.length;
    bias -= (learningRate * biasGradient) / rows.length;
    onEpoch(epoch, weights, bias);
  }
  return { weights, bias };
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const formatMetrics = (metrics) =>
  Object.entries(metrics)
    .map(([name, value]) => `${name}=${value.toFixed(4)}`)
    .join(' ');

function main() {
  const options = parseOptions(process.argv.slice(2));
  const started = process.hrtime.bigint();
  mkdirSync(options.out, { recursive: true });

  const generated = generateRows(options.seed);
  const { train: trainRows, validation: validationRows } = split(options.shifted ? shift(generated) : generated, options.seed);
  const trainCsv = toCsv(trainRows);
  const validationCsv = toCsv(validationRows);
  writeFileSync(join(options.out, 'train.csv'), trainCsv);
  writeFileSync(join(options.out, 'validation.csv'), validationCsv);
  process.stdout.write(
    `data: ${trainRows.length} training and ${validationRows.length} validation rows, ${FEATURES.length} features (seed ${options.seed}${options.shifted ? ', shifted' : ''})\n`,
  );

  const scale = scaling(trainRows);
  const trainScaled = standardize(trainRows, scale);
  const validationScaled = standardize(validationRows, scale);
  // Shifted data is a parameter of the run; the runs on the original data keep the parameters they always had.
  process.stdout.write(
    `mlops:param epochs=${options.epochs} learning_rate=${options.learningRate} seed=${options.seed}${options.shifted ? ' data=shifted' : ''}\n`,
  );
  const every = Math.max(1, Math.ceil(options.epochs / PROGRESS_LINES));
  const labels = trainScaled.map((row) => row.y);
  const model = train(trainScaled, options, (epoch, weights, bias) => {
    const loss = logLoss(
      labels,
      trainScaled.map((row) => predict(weights, bias, row.x)),
    );
    process.stdout.write(`mlops:metric train_logloss=${loss.toFixed(6)} step=${epoch}\n`);
    if (epoch % every !== 0 && epoch !== options.epochs) return;
    process.stdout.write(`epoch ${String(epoch).padStart(String(options.epochs).length)}/${options.epochs}  train logloss ${loss.toFixed(4)}\n`);
  });
  const metrics = evaluate(model.weights, model.bias, validationScaled);

  writeFileSync(
    join(options.out, 'model.json'),
    `${JSON.stringify(
      {
        type: 'logistic-regression',
        features: FEATURES,
        label: LABEL,
        weights: model.weights,
        bias: model.bias,
        scaling: scale,
        hyperparameters: { epochs: options.epochs, learningRate: options.learningRate, seed: options.seed, ...(options.shifted ? { shifted: true } : {}) },
        data: {
          train: { file: 'train.csv', rows: trainRows.length, sha256: sha256(trainCsv) },
          validation: { file: 'validation.csv', rows: validationRows.length, sha256: sha256(validationCsv) },
        },
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(options.out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);

  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(`validation: ${formatMetrics(metrics)}\n`);
  process.stdout.write(`${JSON.stringify({ mlops: { metrics, step: options.epochs } })}\n`);
  process.stdout.write(`wrote model.json, metrics.json, train.csv and validation.csv to ${options.out} in ${elapsedMs.toFixed(0)} ms\n`);
}

main();
