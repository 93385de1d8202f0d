/** HTML views of library objects, shared by the kernel's renderers and by {@code mimeBundle()} methods. */
package org.globmed.display;
