// "Share": the phone's own share sheet (Zalo, Messenger, SMS...) where the browser has one.
// Without it, or without script, the button stays hidden and the page's plain links remain.
for (const button of document.querySelectorAll("button[data-share-url]")) {
  if (!navigator.share) continue;
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator
      .share({ title: button.dataset.shareTitle, url: button.dataset.shareUrl })
      .catch(() => {}); // the buyer closed the sheet
  });
}
