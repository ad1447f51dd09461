/** The SageMaker double in front of moto lives with the sandbox (`npm run demo`) that uses it too. */
export * from "../../cli/demo/sagemakerDouble/lifecycleProxy";
