/**
 * The detective control's alarms (children of DetectiveControl, names unchanged), all to the approvals topic:
 * OUT-OF-BAND CHANGE (metric OutOfBandChange > 0 in a minute), the function's errors, its DLQ's depth, and each
 * declared rule's failed deliveries. The topic admits exactly detectiveControlAlarmRoles(watch).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { dlqDeliveryFailuresAlarmProps, dlqDepthAlarmProps, failedInvocationsAlarmProps, topicAlarm, type ChildContext, type TopicAlarmProps } from "../lib/functionResources";
import { resourceName } from "../lib/naming";
import { OUT_OF_BAND_METRIC } from "../../lambdas/out-of-band/settings";
import { METRIC_NAMESPACE } from "../../lambdas/shared/log";
import { detectiveControlAlarmRoles, OUT_OF_BAND_ALARM_ROLE, OUT_OF_BAND_FUNCTION, OUT_OF_BAND_RULE_ROLES, outOfBandFunctionName, type OutOfBandRuleKey } from "./detectiveControlNames";

export interface OutOfBandAlarmsInput {
    readonly topicArn: pulumi.Input<string>;
    readonly watch: readonly OutOfBandRuleKey[];
    /** The function's on-failure DLQ. */
    readonly dlqName: pulumi.Input<string>;
    readonly rules: Partial<Record<OutOfBandRuleKey, aws.cloudwatch.EventRule>>;
}

/** Declares the alarms; returns OUT-OF-BAND CHANGE. */
export function outOfBandAlarms(children: ChildContext, input: OutOfBandAlarmsInput): aws.cloudwatch.MetricAlarm {
    const env = children.environment;
    const fnName = outOfBandFunctionName(env);
    const alarmRoles = new Set(detectiveControlAlarmRoles(input.watch));
    const alarm = (role: string, props: TopicAlarmProps) => topicAlarm(children, input.topicArn, alarmRoles, role, props);
    const outOfBand = alarm(OUT_OF_BAND_ALARM_ROLE, {
        alarmDescription: `OUT-OF-BAND CHANGE in ${env}: a SageMaker endpoint or model package change that did not go through the approval gate. See the message on the approvals topic (who, what, which resource) and the ${input.watch.includes("endpointCalls") ? "ledger" : "audit table"}'s AUDIT#out-of-band items.`,
        namespace: METRIC_NAMESPACE,
        metricName: OUT_OF_BAND_METRIC,
        dimensions: { Environment: env },
        statistic: "Sum",
        period: 60,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
    });
    alarm(`${OUT_OF_BAND_FUNCTION}-errors`, {
        alarmDescription: pulumi.interpolate`${fnName} failed; failed events are retried, then kept in ${input.dlqName}: an out-of-band change may be unreported`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: fnName },
        statistic: "Sum",
        period: 300,
        okActions: [input.topicArn],
    });
    alarm(
        `${OUT_OF_BAND_FUNCTION}-dlq-depth`,
        dlqDepthAlarmProps(input.dlqName, `CloudTrail records wait in ${resourceName(env, `${OUT_OF_BAND_FUNCTION}-dlq`)}: an out-of-band SageMaker call was not reported (or its record could not be read). Inspect and redrive.`),
    );
    for (const key of input.watch) {
        const ruleName = resourceName(env, OUT_OF_BAND_RULE_ROLES[key]);
        const declared = input.rules[key]!;
        alarm(`${OUT_OF_BAND_RULE_ROLES[key]}-failed-invocations`, failedInvocationsAlarmProps(declared.name, `EventBridge could not deliver events of ${ruleName} to ${fnName}: an out-of-band change may be unreported. Check ${resourceName(env, "events-dlq")}.`));
        alarm(`${OUT_OF_BAND_RULE_ROLES[key]}-dlq-delivery-failures`, dlqDeliveryFailuresAlarmProps(declared.name, `EventBridge could not put failed events of ${ruleName} into ${resourceName(env, "events-dlq")}: an out-of-band change report is lost. Check the DLQ's policy and key.`));
    }
    return outOfBand;
}
