//! `chat --schema`: asks for the answer, checks it against the schema, and asks again with the
//! validator's message when it fails (`--schema-retries`). The answer reaches stdout once, when it
//! is complete and checked: a JSON value printed in pieces is of no use to a program, and an
//! invalid one may be replaced. A server that rejects `response_format` gets the request once more
//! without it.

use crate::report::Result;

use super::stats::Outcome;
use super::{Stdout, converse};
use crate::answer_schema::{AnswerSchema, Invalid, Mismatch};
use crate::api::ApiError;
use crate::api::wire::{ChatRequest, Message, Role};
use crate::cli::ChatArgs;
use crate::commands::Context;
use crate::output::Tone;
use crate::report::{Error, Exit};

pub async fn answer(
    ctx: &Context,
    args: &ChatArgs,
    client: &crate::api::Client,
    request: &mut ChatRequest<'_>,
    out: &mut Stdout,
    outcome: &mut Outcome,
    schema: &AnswerSchema,
) -> Result<Exit> {
    let mut quiet = ctx.ui.answer_writer().silenced();
    let mut retries_left = args.schema_retries;
    loop {
        let exit = match converse(ctx, args, client, request, &mut quiet, outcome).await {
            Err(e) if request.response_format.is_some() && rejects_response_format(&e) => {
                ctx.ui.say(
                    Tone::Note,
                    "the server does not take response_format; asking again with the schema in the system message only",
                );
                request.response_format = None;
                continue;
            }
            result => result?,
        };
        match schema.check(&outcome.answer) {
            Ok(json) => {
                out.write(json)?;
                out.finish()?;
                return Ok(exit);
            }
            Err(invalid) if retries_left > 0 => {
                retries_left -= 1;
                ctx.ui.say(
                    Tone::Warn,
                    &format!("the answer does not match the schema ({}); asking again", invalid.summary()),
                );
                let answer = std::mem::take(&mut outcome.answer);
                request.messages.push(Message::new(Role::Assistant, answer));
                request.messages.push(Message::new(Role::User, correction(&invalid)));
                *outcome = Outcome { keep: true, ..Outcome::new(outcome.started) };
            }
            Err(invalid) => {
                // Printed as received, for the reader to see what came back.
                out.write(&outcome.answer)?;
                out.finish()?;
                return Err(Mismatch(invalid).into());
            }
        }
    }
}

/// What the model is told when its answer failed.
fn correction(invalid: &Invalid) -> String {
    format!(
        "That answer is not valid against the JSON Schema: {}. Reply again with only the corrected JSON value.",
        invalid.summary()
    )
}

/// A 400 or 422 that names `response_format`: the server does not take the field.
fn rejects_response_format(error: &Error) -> bool {
    matches!(error.api(), Some(ApiError::Status(h)) if h.rejects_field("response_format"))
}
