/**
 * One finding, reported at the level the stack deserves.
 *
 * The approval policies are declared `mandatory`, so the CLI (and Pulumi Cloud) lists them as blocking. In a
 * production stack a finding goes through the ordinary `reportViolation(message)`, so it takes the policy's
 * configured level: mandatory unless an administrator deliberately lowered it. In a non-production stack the
 * same finding is reported as ADVISORY through the per-violation form of `reportViolation`, which the policy
 * server of @pulumi/policy 1.21 supports at run time (`server.js` `makeReportViolationFun`: an object argument
 * carries its own `enforcementLevel`; the public typing of that overload is pending upstream, pulumi-policy
 * PR #424). This is the same mechanism the SDK itself uses to downgrade unknown-value errors to advisory.
 *
 * If a future SDK dropped the object form, the object would be stringified into a plain mandatory
 * violation: the failure mode blocks dev, it never lets production through.
 */
import type { ReportViolation } from "@pulumi/policy";
import type { EnvironmentDecision } from "./environment";

interface ViolationObject {
    message: string;
    urn?: string;
    enforcementLevel: "advisory" | "mandatory";
}

function reportObject(reportViolation: ReportViolation, violation: ViolationObject): void {
    (reportViolation as unknown as (v: ViolationObject) => void)(violation);
}

export interface Reporter {
    /** A finding: blocks in production, advisory elsewhere. */
    finding(message: string, urn?: string): void;
    /** Information that never blocks (e.g. a check deferred from preview to the update). */
    note(message: string, urn?: string): void;
}

export function makeReporter(reportViolation: ReportViolation, description: string, environment: EnvironmentDecision): Reporter {
    return {
        finding(message, urn) {
            if (environment.production) {
                reportViolation(message, urn);
            } else {
                reportObject(reportViolation, {
                    message: `${description}\n[advisory: not a production stack (${environment.reason})] ${message}`,
                    urn,
                    enforcementLevel: "advisory",
                });
            }
        },
        note(message, urn) {
            reportObject(reportViolation, { message: `${description}\n[note] ${message}`, urn, enforcementLevel: "advisory" });
        },
    };
}

/** A reporter that blocks everywhere (policies that are mandatory in every stack). */
export function makeMandatoryReporter(reportViolation: ReportViolation, description: string): Reporter {
    return makeReporter(reportViolation, description, { production: true, reason: "this policy is mandatory in every stack" });
}
