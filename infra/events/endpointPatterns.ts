/**
 * The EventBridge pattern that wakes the smoke test (issue 11): SageMaker's own "SageMaker Endpoint State Change"
 * events for this environment's endpoint reaching InService: a new deployment or a rollback finished its
 * blue/green update (or SageMaker's automatic rollback brought the old fleet back; the handler tells them apart).
 * Pure: tests run it through the faithful matcher and moto's EventBridge against the documented sample.
 *
 * Documented (SageMaker Developer Guide, "Events that Amazon SageMaker AI sends to Amazon EventBridge", section
 * "Endpoint state change"): the sample's status is `IN_SERVICE`, while DescribeEndpoint says `InService`; AWS does
 * not say the two differ on purpose, so both are matched (an extra event costs one DescribeEndpoint, a missed one
 * costs the smoke test). The name is matched as the deploy function creates the endpoint (event names keep their
 * case, the ARN in `resources` is lower-cased).
 */
import { SAGEMAKER_SOURCE, type EventPattern } from "./patterns";
import { ENDPOINT_STATE_CHANGE, IN_SERVICE_STATUSES } from "../../lambdas/smoke-test/event";

export function endpointInServicePattern(endpointName: string): EventPattern {
    if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(endpointName)) {
        throw new Error(`endpoint name ${JSON.stringify(endpointName)} is not a SageMaker endpoint name (1-63 of a-z, A-Z, 0-9 and -); pass the endpoint ApprovalEvents deploys to`);
    }
    return {
        source: [SAGEMAKER_SOURCE],
        "detail-type": [ENDPOINT_STATE_CHANGE],
        detail: { EndpointName: [endpointName], EndpointStatus: [...IN_SERVICE_STATUSES] },
    };
}
