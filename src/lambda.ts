// TEMPORARY stand-in for the Lambda entry so the CDK app can bundle and synth; the lead replaces it with the @fastify/aws-lambda handler.
export const handler = async () => ({ statusCode: 503 })
