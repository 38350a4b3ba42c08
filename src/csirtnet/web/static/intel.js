// Copy buttons beside indicator values (web/templates/intel/_macros.html): shown only where the
// clipboard can be written; the value stays selectable text without them.
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) return;
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", (event) => {
      event.preventDefault();
      event.stopPropagation();
      navigator.clipboard.writeText(button.dataset.copy).then(() => {
        button.dataset.copied = "1";
      });
    });
  }
});
