package org.globmed.data;

/** Thrown by a strict load at the first {@link Problem}; a lenient load lists it in the {@link LoadReport}. */
public final class InvalidDataException extends RuntimeException {
    private final transient Problem problem;

    InvalidDataException(Problem problem) {
        super(problem.toString());
        this.problem = problem;
    }

    /** Where and what. */
    public Problem problem() {
        return problem;
    }
}
