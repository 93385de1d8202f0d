package org.globmed.serve;

/**
 * A request the server answers with an OpenAI-style error body:
 * {@code {"error": {"message", "type", "param", "code"}}} and the HTTP status.
 */
final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;

    ApiError(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: a field of the request is wrong; the message names it. */
    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, param == null ? null : "invalid_value", message);
    }
}
