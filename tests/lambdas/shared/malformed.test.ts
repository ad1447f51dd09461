import { strict as assert } from "assert";
import { MalformedEventError } from "../../../lambdas/shared/errors";
import { MAX_QUOTED_EVENT_CHARS, parseOrReport } from "../../../lambdas/shared/malformed";
import { loadEvent } from "../../fixtures/events";
import { recordingLogger } from "../world";

function recordingPublisher() {
    const messages: { subject: string; message: string }[] = [];
    return { messages, publish: async (subject: string, message: string) => void messages.push({ subject, message }) };
}

describe("lambdas/shared/malformed", () => {
    it("logs one error line naming the field, publishes once, and returns the error instead of throwing", async () => {
        const logger = recordingLogger();
        const publisher = recordingPublisher();
        const result = await parseOrReport({ ...loadEvent("model-package-approved"), id: "evt-1", detail: "oops" }, "dev", { logger, publisher });
        assert.ok(result instanceof MalformedEventError);
        assert.deepEqual(logger.lines.map((l) => [l.level, l.fields.field, l.fields.eventId]), [["error", "detail", "evt-1"]]);
        assert.equal(publisher.messages.length, 1);
        assert.equal(publisher.messages[0].subject, "[dev] Ignored a malformed model package event");
        assert.match(publisher.messages[0].message, /detail is "oops"/);
    });

    it("quotes at most a few KB of a huge event, so the notice itself fits in SNS (256 KB) and is not retried forever", async () => {
        const publisher = recordingPublisher();
        const huge = { ...loadEvent("model-package-approved"), detail: { ...loadEvent("model-package-approved").detail, ModelApprovalStatus: "x".repeat(300_000) } };
        assert.ok((await parseOrReport(huge, "dev", { logger: recordingLogger(), publisher })) instanceof MalformedEventError);
        const [{ message }] = publisher.messages;
        assert.ok(message.length < MAX_QUOTED_EVENT_CHARS + 1000, `${message.length} characters`);
        assert.match(message, /more characters\)$/);
    });

    it("returns a well-formed event parsed, publishing nothing", async () => {
        const publisher = recordingPublisher();
        const parsed = await parseOrReport(loadEvent("model-package-approved"), "dev", { logger: recordingLogger(), publisher });
        assert.ok(!(parsed instanceof MalformedEventError));
        assert.equal(parsed.approvalStatus, "Approved");
        assert.equal(publisher.messages.length, 0);
    });
});
