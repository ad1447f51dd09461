/** The SageMaker double's rules live with the sandbox (`npm run demo`) that uses them too. */
export * from "../../cli/demo/sagemakerDouble/lifecycleRules";
