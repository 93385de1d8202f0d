"""Jupyter's own kernel conformance suite (jupyter_kernel_test) run against the java kernel."""
import unittest

import jupyter_kernel_test

from globmed_testing import KERNEL_NAME, install_kernelspec


class GlobMedKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = KERNEL_NAME
    language_name = "java"
    file_extension = ".jshell"

    @classmethod
    def setUpClass(cls):
        install_kernelspec()
        super().setUpClass()

    # kernel_info, stdout, stderr
    code_hello_world = 'System.out.println("hello, world");'
    code_stderr = 'System.err.println("something went wrong");'

    # execute_result: the value of the cell's last expression, as text/plain
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"Glob" + "Med"', "result": "GlobMed"},
        {"code": "List.of(1, 2, 3)", "result": "[1, 2, 3]"},
        {"code": "int x = 20;\nx * 2 + 2", "result": "42"},
        {"code": "Math.max(3, 9)", "result": "9"},
    ]

    # display_data with the MIME type the helper makes
    code_display_data = [
        {"code": 'display(html("<b>x</b>"));', "mime": "text/html"},
        {"code": 'display(markdown("**bold**"));', "mime": "text/markdown"},
        {"code": 'display(svg("<svg xmlns=\'http://www.w3.org/2000/svg\' width=\'4\' height=\'4\'/>"));',
         "mime": "image/svg+xml"},
        {"code": 'display(latex("$e^{i\\\\pi} + 1 = 0$"));', "mime": "text/latex"},
        {"code": 'display("plain text");', "mime": "text/plain"},
    ]

    # errors
    code_generate_error = 'throw new IllegalStateException("on purpose");'

    # completion: members after a dot
    completion_samples = [
        {"text": "Math.ab", "matches": {"abs(", "absExact("}},
        {"text": "System.out.pr", "matches": {"print(", "printf(", "println("}},
    ]

    # inspection: the name under the cursor (the cursor is at the end of the sample)
    code_inspect_sample = "Math.abs"

    # is_complete
    complete_code_samples = [
        "1 + 1",
        "int x = 1;",
        'System.out.println("hi");',
        "for (int i = 0; i < 3; i++) { System.out.println(i); }",
        "class Point { int x; int y; }",
        "void hello() { }",
        "%time 1 + 1",
    ]
    incomplete_code_samples = [
        "for (int i = 0; i < 3; i++) {",
        "class Point {",
        "void hello() {",
        "int total = 1 +",
        "List.of(1,",
    ]
    invalid_code_samples = [
        "int x = ;)",
        "int y = ;",
        "}",
    ]

    # history
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "6 * 7"

    # clear_output
    code_clear_output = 'System.out.println("soon gone"); clearOutput();'


if __name__ == "__main__":
    unittest.main()
