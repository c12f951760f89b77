
use builtin;
use str;

set edit:completion:arg-completer[tokenfactory] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tokenfactory'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tokenfactory'= {
            cand --base-url 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]'
            cand -m 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --model 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --connect-timeout 'Seconds allowed to establish a connection [default: 10]'
            cand --timeout 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]'
            cand --idle-timeout 'Longest gap, in seconds, between two chunks of a stream [default: 120]'
            cand --retries 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]'
            cand --max-wait 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]'
            cand --ca-bundle 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand -v 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand --verbose 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand chat 'Send a prompt and print the answer'
            cand models 'List the models the API serves, to paste an exact ID'
            cand doctor 'Check the setup step by step and explain what is wrong'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff): tokenfactory(1), or tokenfactory-COMMAND(1)'
        }
        &'tokenfactory;chat'= {
            cand -s 'System message sent before the prompt'
            cand --system 'System message sent before the prompt'
            cand --temperature 'Sampling temperature (0 to 2)'
            cand --max-tokens 'Most tokens the answer may use (reasoning models spend part of it thinking)'
            cand --fallback-model 'Model to try next when the model is unavailable (503 or unknown); repeatable [env: OMNIVA_FALLBACK_MODELS]'
            cand --base-url 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]'
            cand -m 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --model 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --connect-timeout 'Seconds allowed to establish a connection [default: 10]'
            cand --timeout 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]'
            cand --idle-timeout 'Longest gap, in seconds, between two chunks of a stream [default: 120]'
            cand --retries 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]'
            cand --max-wait 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]'
            cand --ca-bundle 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand --stream 'Print tokens as they arrive'
            cand --json 'Print the raw JSON response instead of the answer (with --stream: one chunk object per line)'
            cand --reasoning 'Show the model''s reasoning on stderr'
            cand --stats 'Print model, token counts and timings to stderr after the answer'
            cand --no-stdin 'Never read stdin (for cron and CI, where stdin is not a terminal but not input either)'
            cand -v 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand --verbose 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenfactory;models'= {
            cand --sort 'Order: id (case-insensitive), created (newest first), owner (then ID)'
            cand --base-url 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]'
            cand -m 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --model 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --connect-timeout 'Seconds allowed to establish a connection [default: 10]'
            cand --timeout 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]'
            cand --idle-timeout 'Longest gap, in seconds, between two chunks of a stream [default: 120]'
            cand --retries 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]'
            cand --max-wait 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]'
            cand --ca-bundle 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand --json 'Print the server''s JSON as received (unfiltered)'
            cand -v 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand --verbose 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenfactory;doctor'= {
            cand --explain 'Print the troubleshooting guide (marking what applies now), or one case: a status such as 429, or a name'
            cand --base-url 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]'
            cand -m 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --model 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --connect-timeout 'Seconds allowed to establish a connection [default: 10]'
            cand --timeout 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]'
            cand --idle-timeout 'Longest gap, in seconds, between two chunks of a stream [default: 120]'
            cand --retries 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]'
            cand --max-wait 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]'
            cand --ca-bundle 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand --no-chat 'Skip the checks that cost tokens (a completion and a stream)'
            cand --json 'Print the results as JSON (for support tickets and scripts)'
            cand -v 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand --verbose 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenfactory;completions'= {
            cand --base-url 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]'
            cand -m 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --model 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --connect-timeout 'Seconds allowed to establish a connection [default: 10]'
            cand --timeout 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]'
            cand --idle-timeout 'Longest gap, in seconds, between two chunks of a stream [default: 120]'
            cand --retries 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]'
            cand --max-wait 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]'
            cand --ca-bundle 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand -v 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand --verbose 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokenfactory;man'= {
            cand --base-url 'API base URL [env: OMNIVA_BASE_URL] [default: https://api.tokenfactory.omniva.com/v1]'
            cand -m 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --model 'Model ID [env: OMNIVA_MODEL] [default: Omniva/Kimi-K2.6]'
            cand --connect-timeout 'Seconds allowed to establish a connection [default: 10]'
            cand --timeout 'Seconds allowed for a whole request, or a stream''s first byte [env: OMNIVA_TIMEOUT] [default: 600]'
            cand --idle-timeout 'Longest gap, in seconds, between two chunks of a stream [default: 120]'
            cand --retries 'Retries for 429, 500, 502, 503, 504 and failed connections; 0 disables [default: 2]'
            cand --max-wait 'Longest server-asked wait (Retry-After) to sleep before retrying [default: 60]'
            cand --ca-bundle 'PEM file of extra CA certificates to trust, added to the system roots [env: OMNIVA_CA_BUNDLE]'
            cand --color 'Colours: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces them), always, never'
            cand -v 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand --verbose 'Print each request and response line, timings and retries to stderr (key redacted)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
